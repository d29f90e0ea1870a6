package dev.cairn.cli;

/** What the {@code cairn} exit codes mean; scripts may rely on them. */
public enum ExitCode {
    OK(0), FAILED(1), USAGE(2), UNREACHABLE(3), SERVER_ERROR(4);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
