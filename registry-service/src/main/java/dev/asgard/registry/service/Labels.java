package dev.asgard.registry.service;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.asgard.commons.error.Validation;

/**
 * Label syntax, the same as Kubernetes labels so selectors read the same in both worlds: a key is an
 * optional DNS-subdomain prefix and a slash, then a name of up to 63 characters; a value is empty or up to
 * 63 characters of letters, digits, {@code - _ .}, starting and ending alphanumeric.
 */
public final class Labels {

    /** Most labels one object may carry. */
    public static final int MAX_LABELS = 64;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern PREFIX = Pattern.compile(
            "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private Labels() {
    }

    /**
     * Adds a violation for every bad key or value.
     *
     * @param validation where violations go
     * @param field the field name, such as {@code labels}
     * @param labels the labels, may be null
     */
    public static void validate(Validation validation, String field, Map<String, String> labels) {
        if (labels == null) {
            return;
        }
        validation.check(labels.size() <= MAX_LABELS, field, "at most " + MAX_LABELS + " labels");
        labels.forEach((key, value) -> {
            validation.check(isValidKey(key), field + "." + key,
                    "label key must be [prefix/]name: name up to 63 characters of letters, digits, '-', '_', '.',"
                            + " starting and ending with a letter or digit; prefix a DNS subdomain up to 253 characters");
            validation.check(isValidValue(value), field + "." + key,
                    "label value must be empty or up to 63 characters of letters, digits, '-', '_', '.',"
                            + " starting and ending with a letter or digit");
        });
    }

    /**
     * Adds a violation for every id that is not a well-formed identifier (letters, digits, {@code . _ -}, up
     * to 64 characters, starting alphanumeric) and for duplicates.
     *
     * @param validation where violations go
     * @param field the field name, such as {@code networks}
     * @param ids the ids, may be null
     * @param max how many at most
     */
    public static void validateIds(Validation validation, String field, List<String> ids, int max) {
        if (ids == null) {
            return;
        }
        validation.check(ids.size() <= max, field, "at most " + max + " entries");
        validation.check(ids.stream().distinct().count() == ids.size(), field, "entries must be unique");
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            validation.check(id != null && ID.matcher(id).matches(), field + "[" + i + "]",
                    "must be 1-64 characters of letters, digits, '.', '_', '-', starting with a letter or digit");
        }
    }

    /**
     * @param value a label value
     * @return whether it is empty or a well-formed value
     */
    public static boolean isValidValue(String value) {
        return value != null && (value.isEmpty() || NAME.matcher(value).matches());
    }

    /**
     * @param key a label key
     * @return whether it is a well-formed {@code [prefix/]name}
     */
    public static boolean isValidKey(String key) {
        if (key == null) {
            return false;
        }
        int slash = key.indexOf('/');
        if (slash < 0) {
            return NAME.matcher(key).matches();
        }
        String prefix = key.substring(0, slash);
        String name = key.substring(slash + 1);
        return prefix.length() <= 253 && PREFIX.matcher(prefix).matches() && NAME.matcher(name).matches();
    }
}
