package dev.cairn.volume.admin;

/** An admin request failed in a way the caller can act on: HTTP status, what is wrong, what to do. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String hint;

    public ApiException(int status, String error, String hint) {
        super(error);
        this.status = status;
        this.hint = hint;
    }

    public int status() {
        return status;
    }

    public String hint() {
        return hint;
    }

    public static ApiException badRequest(String error, String hint) {
        return new ApiException(400, error, hint);
    }

    public static ApiException notFound(String error, String hint) {
        return new ApiException(404, error, hint);
    }
}
