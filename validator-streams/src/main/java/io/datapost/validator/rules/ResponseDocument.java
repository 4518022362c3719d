package io.datapost.validator.rules;

import java.util.List;

/**
 * A response body parsed once and then queried with expressions of one language. JSONPath is the only
 * language today; XPath (XML bodies) and regex (text bodies) documents implement the same interface, so the
 * classifier and the extraction stay the same when rules gain them.
 */
interface ResponseDocument {

    /**
     * The values the expression selects, in document order: empty when it selects nothing (or JSON null);
     * a selected array contributes its elements.
     *
     * @throws InvalidExpressionException when the expression itself is malformed (a config error)
     */
    List<Object> select(String expression);

    final class InvalidExpressionException extends RuntimeException {
        InvalidExpressionException(String expression, Throwable cause) {
            super("Invalid expression " + expression + ": " + cause.getMessage(), cause);
        }
    }

    /** The body could not be parsed; the message says why (it becomes the outcome's reason). */
    final class UnreadableBodyException extends Exception {
        UnreadableBodyException(String message) {
            super(message);
        }
    }
}
