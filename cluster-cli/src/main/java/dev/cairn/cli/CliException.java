package dev.cairn.cli;

/** A failure to report to the user: one line of what went wrong, one of what to do, an exit code. */
public final class CliException extends RuntimeException {
    private final ExitCode exit;
    private final String hint;

    public CliException(ExitCode exit, String message, String hint) {
        super(message);
        this.exit = exit;
        this.hint = hint;
    }

    public ExitCode exit() {
        return exit;
    }

    public String hint() {
        return hint;
    }
}
