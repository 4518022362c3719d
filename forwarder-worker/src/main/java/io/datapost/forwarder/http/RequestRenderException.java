package io.datapost.forwarder.http;

/**
 * The event type and the lead do not make a request that can be sent safely (bad URL, unsupported method,
 * a header that would break the request line structure...). Not retryable: the lead is dead-lettered.
 * Messages name fields and headers, never their values.
 */
public class RequestRenderException extends RuntimeException {
    public RequestRenderException(String message) {
        super(message);
    }
}
