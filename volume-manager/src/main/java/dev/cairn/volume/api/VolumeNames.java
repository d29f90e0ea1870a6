package dev.cairn.volume.api;

import java.util.regex.Pattern;

/**
 * Volume name rules. They match Docker's volume names ({@code [a-zA-Z0-9][a-zA-Z0-9_.-]+}, and
 * anonymous volumes' 64 hex characters) and are safe as NBD export names and file names.
 */
public final class VolumeNames {
    public static final int MAX_LENGTH = 128;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private VolumeNames() {
    }

    /** @throws IllegalArgumentException saying what is wrong and what a valid name looks like */
    public static String validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("volume name is empty; names are 1-128 characters of letters, digits, '_', '.', '-'");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("volume name is " + name.length() + " characters long; the limit is " + MAX_LENGTH);
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("volume name '" + name + "' is not valid; use letters, digits, '_', '.', '-', starting with a letter or digit");
        }
        return name;
    }
}
