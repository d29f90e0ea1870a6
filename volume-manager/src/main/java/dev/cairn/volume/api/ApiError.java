package dev.cairn.volume.api;

/**
 * The body of every admin API error: {@code error} says what is wrong, {@code hint} what to do
 * next (may be null). The HTTP status carries the class: 400 bad input, 401 missing or wrong token,
 * 404 no such thing, 409 conflict with the cluster's state, 503 not ready (no cluster leader yet).
 */
public record ApiError(String error, String hint) {
}
