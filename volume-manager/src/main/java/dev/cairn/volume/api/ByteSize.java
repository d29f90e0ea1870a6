package dev.cairn.volume.api;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints sizes such as {@code 256M}, {@code 10G}, {@code 10GiB}, {@code 4096}. Units are
 * binary (K = 1024), as {@code docker volume create -o size=10G} users expect from block tools.
 */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGTP]?)(I?B)?", Pattern.CASE_INSENSITIVE);
    private static final String UNITS = "KMGTP";

    private ByteSize() {
    }

    /**
     * @throws IllegalArgumentException with a message that says what a valid size looks like
     */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("size is empty; give a size such as 256M, 10G or 1T");
        }
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("size '" + text + "' is not a size; use a number with an optional unit K, M, G, T or P (binary), e.g. 256M or 10G");
        }
        long value;
        try {
            value = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
        String unit = m.group(2).toUpperCase(Locale.ROOT);
        int shift = unit.isEmpty() ? 0 : 10 * (UNITS.indexOf(unit) + 1);
        if (value != 0 && Long.numberOfLeadingZeros(value) <= shift) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
        return value << shift;
    }

    /** The largest exact binary unit, e.g. 1073741824 -> "1G", 1536 -> "1536". */
    public static String format(long bytes) {
        if (bytes <= 0) {
            return Long.toString(bytes);
        }
        for (int i = UNITS.length(); i >= 1; i--) {
            long unit = 1L << (10 * i);
            if (bytes % unit == 0) {
                return (bytes / unit) + String.valueOf(UNITS.charAt(i - 1));
            }
        }
        return Long.toString(bytes);
    }
}
