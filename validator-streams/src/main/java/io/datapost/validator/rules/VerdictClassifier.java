package io.datapost.validator.rules;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.VerdictRule;

/**
 * Decides what one advertiser response means under its event type's rule, and extracts order id, amount and
 * reason. Pure: no clock, no I/O, no state; safe to share between threads.
 *
 * <ol>
 * <li>A transport failure ({@code failureClass != NONE}), a missing status or a 5xx is ERROR: the advertiser
 * did not answer the question, so the lead is neither valid nor invalid.</li>
 * <li>A status outside {@code rule.acceptStatuses} is REJECTED, with the advertiser's reason when the body
 * carries one, else "HTTP &lt;status&gt;".</li>
 * <li>An accepted status with {@code rule.jsonPath}: the body must parse as JSON (else ERROR with the parse
 * problem), and the value there must equal {@code rule.equals} as text (so {@code true} and {@code 2000} match
 * "true" and "2000"), else REJECTED.</li>
 * <li>An accepted status without a body rule is ACCEPTED.</li>
 * </ol>
 * An accepted response without an amount gets the event type's default price, flagged as defaulted.
 */
public final class VerdictClassifier {

    private static final int MONEY_SCALE = 4;

    private final JsonDocuments json = new JsonDocuments();

    public Classification classify(EventType eventType, AdvertiserResponse response) {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(response, "response");
        Body body = new Body(response);
        Extraction extraction = eventType.getExtraction();
        FailureClass failure = response.getFailureClass() == null ? FailureClass.UNKNOWN : response.getFailureClass();
        Integer status = response.getHttpStatus();

        if (failure != FailureClass.NONE || status == null || status >= 500) {
            return Classification.error(firstNonBlank(response.getFailureMessage(),
                    body.reason(extraction),
                    status != null ? "HTTP " + status
                            : failure != FailureClass.NONE ? failure.name() : "No HTTP status"));
        }

        VerdictRule rule = eventType.getRule();
        if (rule.getAcceptStatuses() == null || !rule.getAcceptStatuses().contains(status)) {
            return Classification.rejected(firstNonBlank(body.reason(extraction), "HTTP " + status),
                    body.orderId(extraction), body.amount(extraction));
        }

        if (rule.getJsonPath() != null) {
            ResponseDocument document;
            try {
                document = body.document();
            } catch (ResponseDocument.UnreadableBodyException e) {
                return Classification.error(e.getMessage());
            }
            List<Object> values;
            try {
                values = document.select(rule.getJsonPath());
            } catch (ResponseDocument.InvalidExpressionException e) {
                return Classification.error("Event type rule is invalid: " + e.getMessage());
            }
            if (!matches(values, rule.getEquals())) {
                return Classification.rejected(
                        firstNonBlank(body.reason(extraction), describeMismatch(rule, values)),
                        body.orderId(extraction), body.amount(extraction));
            }
        }

        BigDecimal amount = body.amount(extraction);
        boolean defaulted = false;
        if (amount == null && eventType.getDefaultPrice() != null) {
            amount = eventType.getDefaultPrice().setScale(MONEY_SCALE, RoundingMode.HALF_EVEN);
            defaulted = true;
        }
        return new Classification(Verdict.ACCEPTED, null, body.orderId(extraction), amount, defaulted);
    }

    /**
     * Any selected value equal to {@code expected} as text. Without {@code expected}, a value that is present
     * and not {@code false} accepts. (A later rule language adds all/any/not explicitly.)
     */
    private boolean matches(List<Object> values, String expected) {
        if (expected == null) {
            return values.stream().anyMatch(v -> !Boolean.FALSE.equals(v));
        }
        return values.stream().map(json::text).anyMatch(expected::equals);
    }

    private String describeMismatch(VerdictRule rule, List<Object> values) {
        String found = values.isEmpty() ? "absent"
                : values.stream().map(json::text).collect(Collectors.joining(", "));
        return rule.getJsonPath() + " is " + found + (rule.getEquals() == null ? "" : ", expected " + rule.getEquals());
    }

    private static String firstNonBlank(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate;
            }
        }
        return null;
    }

    /** The response body, parsed at most once and only when a rule or an extraction needs it. */
    private final class Body {
        private final AdvertiserResponse response;
        private ResponseDocument document;
        private ResponseDocument.UnreadableBodyException failure;

        Body(AdvertiserResponse response) {
            this.response = response;
        }

        ResponseDocument document() throws ResponseDocument.UnreadableBodyException {
            if (document == null && failure == null) {
                try {
                    document = json.parse(ResponseText.of(response));
                } catch (ResponseDocument.UnreadableBodyException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                throw failure;
            }
            return document;
        }

        /** Extraction is best effort: an unreadable body or a broken path extracts nothing. */
        private List<Object> extract(String expression) {
            if (expression == null) {
                return List.of();
            }
            try {
                return document().select(expression);
            } catch (ResponseDocument.UnreadableBodyException | ResponseDocument.InvalidExpressionException e) {
                return List.of();
            }
        }

        /** Several reasons (e.g. one per failed field) are joined in document order. */
        String reason(Extraction extraction) {
            List<Object> values = extract(extraction == null ? null : extraction.getReason());
            String joined = values.stream().map(json::text).filter(s -> !s.isBlank())
                    .collect(Collectors.joining(", "));
            return joined.isEmpty() ? null : joined;
        }

        String orderId(Extraction extraction) {
            List<Object> values = extract(extraction == null ? null : extraction.getOrderId());
            return values.isEmpty() ? null : json.text(values.get(0));
        }

        /**
         * The amount from the JSON number's or string's own digits (never through a double). A value that is
         * not a plain decimal number counts as absent.
         */
        BigDecimal amount(Extraction extraction) {
            List<Object> values = extract(extraction == null ? null : extraction.getAmount());
            if (values.isEmpty()) {
                return null;
            }
            Object value = values.get(0);
            if (!(value instanceof Number) && !(value instanceof String)) {
                return null;
            }
            try {
                return new BigDecimal(json.text(value).trim()).setScale(MONEY_SCALE, RoundingMode.HALF_EVEN);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
