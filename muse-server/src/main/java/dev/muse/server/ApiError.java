package dev.muse.server;

/**
 * A request that fails with an OpenAI-style error: the HTTP status, the error {@code type}, the offending
 * {@code param} (or null) and a machine {@code code} (or null). The message says what is wrong and what to do.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    static ApiError badRequest(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    static ApiError notFound(String what) {
        return new ApiError(404, "invalid_request_error", null, "not_found", what);
    }

    static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", null, "invalid_api_key", message);
    }
}
