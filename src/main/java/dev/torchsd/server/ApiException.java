package dev.torchsd.server;

import java.util.Map;

/** A request the server refuses, with the HTTP status and the reason a client is shown. */
class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final Map<String, String> headers;

    ApiException(int status, String detail) {
        this(status, detail, Map.of());
    }

    ApiException(int status, String detail, Map<String, String> headers) {
        super(detail);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    int status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }
}
