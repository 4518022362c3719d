package io.datapost.cli.stack;

/** The local stack could not start; the message says what failed and carries the relevant log tail. */
public final class StackException extends Exception {
    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
