package io.datapost.validator.rules;

import java.math.BigDecimal;
import java.util.List;

/**
 * A response body parsed once and then queried with expressions of one language: JSONPath over JSON, XPath over
 * XML, RE2 regular expressions over text. The classifier and the extraction do not care which.
 */
interface ResponseDocument {

    /**
     * The values the expression selects, in document order: empty when it selects nothing (or JSON null);
     * a selected array contributes its elements.
     *
     * @throws InvalidExpressionException when the expression itself is malformed (a config error)
     */
    List<Object> select(String expression);

    /** The text of a selected value: strings as they are, numbers without exponent, booleans as true/false. */
    default String text(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                return d.toString();
            }
            return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
        return value.toString();
    }

    final class InvalidExpressionException extends RuntimeException {
        InvalidExpressionException(String expression, Throwable cause) {
            super("Invalid expression " + expression + ": " + cause.getMessage(), cause);
        }

        InvalidExpressionException(String expression, String problem) {
            super("Invalid expression " + expression + ": " + problem);
        }
    }

    /** The body could not be parsed; the message says why (it becomes the outcome's reason). */
    final class UnreadableBodyException extends Exception {
        private final boolean refused;

        UnreadableBodyException(String message) {
            this(message, false);
        }

        /**
         * @param refused the body was refused for safety (a DTD): nothing may be taken from it at all
         */
        UnreadableBodyException(String message, boolean refused) {
            super(message);
            this.refused = refused;
        }

        boolean refused() {
            return refused;
        }
    }
}
