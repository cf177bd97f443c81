package dev.asgard.registry.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.proto.common.v1.LabelSelector;
import dev.asgard.proto.common.v1.LabelSelectorOperator;
import dev.asgard.proto.common.v1.LabelSelectorRequirement;

/**
 * Parses the text form of a label selector, the syntax of {@code kubectl -l}, so that a person who knows one
 * knows the other: comma-separated requirements, each one of {@code key}, {@code !key}, {@code key=value},
 * {@code key==value}, {@code key!=value}, {@code key in (v1, v2)}, {@code key notin (v1, v2)}. Keys and values
 * are checked later, with the rest of the filter.
 */
public final class LabelSelectorParser {

    /** Reason of a selector that cannot be parsed. */
    public static final String REASON = "INVALID_LABEL_SELECTOR";

    private final String text;
    private final String field;
    private int pos;

    private LabelSelectorParser(String text, String field) {
        this.text = text;
        this.field = field;
    }

    /**
     * @param text the selector, such as {@code zone in (attic,cellar),!decommissioned}; blank for "everything"
     * @param field the request field it came from, for the violation
     * @return the selector
     * @throws AsgardException INVALID_ARGUMENT {@value #REASON} naming the position of the mistake
     */
    public static LabelSelector parse(String text, String field) {
        LabelSelector.Builder selector = LabelSelector.newBuilder();
        if (text == null || text.isBlank()) {
            return selector.build();
        }
        LabelSelectorParser parser = new LabelSelectorParser(text, field);
        do {
            selector.addMatchExpressions(parser.requirement());
            parser.skipSpaces();
        } while (parser.consume(','));
        if (parser.pos < text.length()) {
            throw parser.error("expected ',' or the end");
        }
        return selector.build();
    }

    private LabelSelectorRequirement requirement() {
        skipSpaces();
        LabelSelectorRequirement.Builder requirement = LabelSelectorRequirement.newBuilder();
        if (consume('!')) {
            return requirement.setKey(word("a label key"))
                    .setOperator(LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST).build();
        }
        requirement.setKey(word("a label key"));
        skipSpaces();
        if (pos >= text.length() || text.charAt(pos) == ',') {
            return requirement.setOperator(LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_EXISTS).build();
        }
        if (consume('!')) {
            expect('=');
            return requirement.setOperator(LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_NOT_IN)
                    .addValues(value()).build();
        }
        if (consume('=')) {
            consume('=');
            return requirement.setOperator(LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_IN).addValues(value()).build();
        }
        String keyword = word("'=', '!=', 'in' or 'notin'").toLowerCase(Locale.ROOT);
        LabelSelectorOperator operator = switch (keyword) {
            case "in" -> LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_IN;
            case "notin" -> LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_NOT_IN;
            default -> throw error("expected '=', '!=', 'in' or 'notin' after the key, found '" + keyword + "'");
        };
        requirement.setOperator(operator).addAllValues(values());
        return requirement.build();
    }

    private List<String> values() {
        skipSpaces();
        expect('(');
        List<String> values = new ArrayList<>();
        do {
            values.add(value());
            skipSpaces();
        } while (consume(','));
        expect(')');
        return values;
    }

    private String value() {
        skipSpaces();
        int start = pos;
        while (pos < text.length() && isWordChar(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private String word(String what) {
        skipSpaces();
        int start = pos;
        while (pos < text.length() && (isWordChar(text.charAt(pos)) || text.charAt(pos) == '/')) {
            pos++;
        }
        if (start == pos) {
            throw error("expected " + what);
        }
        return text.substring(start, pos);
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.';
    }

    private boolean consume(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        skipSpaces();
        if (!consume(c)) {
            throw error("expected '" + c + "'");
        }
    }

    private void skipSpaces() {
        while (pos < text.length() && text.charAt(pos) == ' ') {
            pos++;
        }
    }

    private AsgardException error(String problem) {
        String detail = "Label selector '" + text + "' at position " + (pos + 1) + ": " + problem + ".";
        return AsgardException.invalidArgument(REASON, "%s", detail)
                .withViolation(field, problem + " at position " + (pos + 1))
                .withHint("Write it like kubectl -l: zone=attic,tier in (edge,core),!decommissioned");
    }
}
