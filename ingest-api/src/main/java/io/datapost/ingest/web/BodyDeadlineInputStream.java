package io.datapost.ingest.web;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;

/**
 * The request body as the intake reads it, with a total deadline: a read that ends after the deadline, or a read
 * that Tomcat ends because nothing arrived for {@code server.tomcat.connection-timeout}, throws
 * {@link BodyTimedOutException} (unchecked, so no parser mistakes it for a malformed body) and the answer is 408.
 */
final class BodyDeadlineInputStream extends FilterInputStream {

    private final long deadlineNanos;

    BodyDeadlineInputStream(InputStream body, long deadlineNanos) {
        super(body);
        this.deadlineNanos = deadlineNanos;
    }

    @Override
    public int read() throws IOException {
        checkDeadline();
        try {
            int read = super.read();
            checkDeadline();
            return read;
        } catch (IOException e) {
            throw timedOutOr(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkDeadline();
        try {
            int read = super.read(b, off, len);
            checkDeadline();
            return read;
        } catch (IOException e) {
            throw timedOutOr(e);
        }
    }

    private void checkDeadline() {
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new BodyTimedOutException(null);
        }
    }

    private static IOException timedOutOr(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                throw new BodyTimedOutException(e);
            }
        }
        return e;
    }

    /** The body did not arrive within the read timeout or the body deadline. */
    static final class BodyTimedOutException extends RuntimeException {
        BodyTimedOutException(Throwable cause) {
            super("request body timed out", cause, false, false);
        }
    }
}
