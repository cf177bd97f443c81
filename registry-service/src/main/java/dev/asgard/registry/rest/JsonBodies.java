package dev.asgard.registry.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.asgard.commons.error.AsgardException;

/**
 * Optional JSON bodies of action endpoints ({@code POST .../rotate}): read from the raw text, so that a request
 * without a body or a {@code Content-Type} (a plain {@code curl -X POST}) is accepted instead of answered with 415.
 */
final class JsonBodies {

    private JsonBodies() {
    }

    /**
     * @param mapper the application's object mapper
     * @param text the raw body, possibly null or blank
     * @param type the body's record type
     * @param example a valid body, for the hint
     * @param <T> the body type
     * @return the body, or null when there is none
     * @throws AsgardException INVALID_ARGUMENT {@code MALFORMED_BODY} for text that is not such a JSON object
     */
    static <T> T read(ObjectMapper mapper, String text, Class<T> type, String example) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return mapper.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw AsgardException.invalidArgument("MALFORMED_BODY", "The body is not a valid JSON object of this request.")
                    .withHint("Send JSON such as " + example + ", or no body at all.");
        }
    }
}
