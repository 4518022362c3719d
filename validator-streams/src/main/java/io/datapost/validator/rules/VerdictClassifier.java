package io.datapost.validator.rules;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.BodyParsing;
import io.datapost.schemas.Condition;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.VerdictClause;
import io.datapost.schemas.VerdictRule;

/**
 * Decides what one advertiser response means under its event type's rule, and extracts order id, amount,
 * reason and extras. Pure: no clock, no I/O, no state besides caches of compiled expressions; safe to share
 * between threads.
 *
 * <ol>
 * <li>No HTTP answer (connect failure, timeout, I/O) is ERROR; so is a 5xx or a 429 unless the rule says
 * {@code errorOn5xx: false}: the advertiser did not answer the question, so the lead is neither valid nor
 * invalid. An XML answer with a DTD is ERROR too, and nothing is read from it.</li>
 * <li>Full form ({@code rule.verdicts}): the first clause whose condition holds gives the verdict, else
 * {@code rule.otherwise}. Simple form: a status outside {@code acceptStatuses} is REJECTED; then
 * {@code jsonPath} must equal {@code equals} (as text) to accept.</li>
 * <li>A condition that needs the parsed body (JSONPath, XPath) on a body that does not parse makes the verdict
 * ERROR with the parse problem as reason; status, contains and regex conditions work on any body.</li>
 * </ol>
 * The body is read as the rule's {@code parseAs} says; AUTO means the language of the rule's expressions
 * (JSONPath: JSON, XPath: XML), else the Content-Type (json, xml, anything else: text). Extraction expressions
 * are in that same language (for text: an RE2 regex whose first group is the value). An accepted answer
 * without an amount gets the event type's default price, flagged as defaulted.
 */
public final class VerdictClassifier {

    static final int MONEY_SCALE = 4;
    static final String REASON_SEPARATOR = ", ";

    private final JsonDocuments json = new JsonDocuments();
    private final XmlDocuments xml = new XmlDocuments();
    private final Regexes regexes = new Regexes();

    public Classification classify(EventType eventType, AdvertiserResponse response) {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(response, "response");
        VerdictRule rule = eventType.getRule() == null ? VerdictRule.newBuilder().build() : eventType.getRule();
        Extraction extraction = eventType.getExtraction();
        Answer answer = new Answer(response, rule);
        FailureClass failure = response.getFailureClass() == null ? FailureClass.UNKNOWN : response.getFailureClass();
        Integer status = response.getHttpStatus();

        if (status == null || (failure != FailureClass.NONE && failure != FailureClass.HTTP_5XX
                && failure != FailureClass.HTTP_429)) {
            return Classification.error(firstNonBlank(response.getFailureMessage(),
                    failure != FailureClass.NONE ? failure.name() : "No HTTP status"), Classification.Cause.TRANSPORT);
        }
        if (answer.kind == BodyParsing.XML && answer.hasBody()) {
            try {
                answer.document();
            } catch (ResponseDocument.UnreadableBodyException e) {
                if (e.refused()) {
                    return Classification.error(e.getMessage(), Classification.Cause.UNREADABLE_BODY);
                }
            }
        }
        if (status == 429 || (status >= 500 && rule.getErrorOn5xx())) {
            return new Classification(Verdict.ERROR, firstNonBlank(answer.reason(extraction),
                    response.getFailureMessage(), "HTTP " + status),
                    null, null, false, answer.extras(extraction), Classification.Cause.SERVER_ERROR);
        }

        Decision decision;
        try {
            decision = rule.getVerdicts() == null || rule.getVerdicts().isEmpty()
                    ? simpleRule(rule, answer, status) : clauses(rule, answer, status);
        } catch (ResponseDocument.UnreadableBodyException e) {
            return Classification.error(answer.truncationNote() + e.getMessage(),
                    Classification.Cause.UNREADABLE_BODY);
        } catch (ResponseDocument.InvalidExpressionException e) {
            return Classification.error("Event type rule is invalid: " + e.getMessage(),
                    Classification.Cause.INVALID_RULE);
        }
        return conclude(eventType, extraction, answer, decision);
    }

    private Classification conclude(EventType eventType, Extraction extraction, Answer answer, Decision decision) {
        Map<String, String> extras = answer.extras(extraction);
        String orderId = answer.orderId(extraction);
        BigDecimal amount = answer.amount(extraction);
        if (decision.verdict() == Verdict.ACCEPTED) {
            boolean defaulted = false;
            if (amount == null && eventType.getDefaultPrice() != null) {
                amount = eventType.getDefaultPrice().setScale(MONEY_SCALE, RoundingMode.HALF_EVEN);
                defaulted = true;
            }
            return new Classification(Verdict.ACCEPTED, null, orderId, amount, defaulted, extras, decision.cause());
        }
        String reason = firstNonBlank(answer.reason(extraction), decision.description());
        if (decision.verdict() == Verdict.ERROR) {
            return new Classification(Verdict.ERROR, reason, orderId, null, false, extras, decision.cause());
        }
        // a rejected lead is never paid: a price in the answer means nothing then
        return new Classification(Verdict.REJECTED, reason, orderId, null, false, extras, decision.cause());
    }

    /** The foundation's form: accept statuses, then one JSONPath compared with one value. */
    private Decision simpleRule(VerdictRule rule, Answer answer, int status)
            throws ResponseDocument.UnreadableBodyException {
        if (rule.getAcceptStatuses() == null || !rule.getAcceptStatuses().contains(status)) {
            return new Decision(Verdict.REJECTED, "HTTP " + status, Classification.Cause.RULE);
        }
        if (rule.getJsonPath() == null) {
            return new Decision(Verdict.ACCEPTED, null, Classification.Cause.RULE);
        }
        ResponseDocument document = answer.document();
        List<Object> values = document.select(rule.getJsonPath());
        if (valuesHold(document, values, rule.getEquals(), null)) {
            return new Decision(Verdict.ACCEPTED, null, Classification.Cause.RULE);
        }
        String found = values.isEmpty() ? "absent"
                : values.stream().map(document::text).collect(Collectors.joining(REASON_SEPARATOR));
        return new Decision(Verdict.REJECTED, rule.getJsonPath() + " is " + found
                + (rule.getEquals() == null ? "" : ", expected " + rule.getEquals()), Classification.Cause.RULE);
    }

    private Decision clauses(VerdictRule rule, Answer answer, int status)
            throws ResponseDocument.UnreadableBodyException {
        List<VerdictClause> clauses = rule.getVerdicts();
        for (int i = 0; i < clauses.size(); i++) {
            VerdictClause clause = clauses.get(i);
            if (holds(clause.getWhen(), answer, status)) {
                return new Decision(usable(clause.getOutcome()),
                        "HTTP " + status + " matched verdict clause " + (i + 1), Classification.Cause.RULE);
            }
        }
        Verdict otherwise = usable(rule.getOtherwise() == null ? Verdict.REJECTED : rule.getOtherwise());
        return new Decision(otherwise, "HTTP " + status + " matched no verdict clause", Classification.Cause.NO_MATCH);
    }

    /** A verdict a rule may give; anything else (NO_RESPONSE, an unknown symbol) is treated as ERROR. */
    private static Verdict usable(Verdict verdict) {
        return verdict == Verdict.ACCEPTED || verdict == Verdict.REJECTED ? verdict : Verdict.ERROR;
    }

    /** Every part of the condition that is set holds (an empty condition holds). */
    boolean holds(Condition condition, Answer answer, int status) throws ResponseDocument.UnreadableBodyException {
        if (condition == null) {
            return true;
        }
        if (condition.getStatus() != null && !condition.getStatus().isEmpty()
                && condition.getStatus().stream().noneMatch(spec -> StatusSpec.matches(spec, status))) {
            return false;
        }
        if (condition.getContains() != null && !answer.text().contains(condition.getContains())) {
            return false;
        }
        if (condition.getRegex() != null && !regexes.find(condition.getRegex(), answer.text())) {
            return false;
        }
        String path = condition.getJsonPath() != null ? condition.getJsonPath() : condition.getXpath();
        if (path != null) {
            ResponseDocument document = answer.document();
            if (!valuesHold(document, document.select(path), condition.getEquals(), condition.getMatches())) {
                return false;
            }
        }
        if (condition.getAll() != null) {
            for (Condition part : condition.getAll()) {
                if (!holds(part, answer, status)) {
                    return false;
                }
            }
        }
        if (condition.getAny() != null && !condition.getAny().isEmpty()) {
            boolean any = false;
            for (Condition part : condition.getAny()) {
                if (holds(part, answer, status)) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                return false;
            }
        }
        return condition.getNot() == null || !holds(condition.getNot(), answer, status);
    }

    /**
     * Any selected value equal to {@code equals} as text, or fully matching {@code matches}. With neither, a
     * value that is present and not {@code false} holds.
     */
    private boolean valuesHold(ResponseDocument document, List<Object> values, String equals, String matches) {
        if (equals == null && matches == null) {
            return values.stream().anyMatch(v -> !Boolean.FALSE.equals(v) && !"".equals(v));
        }
        for (Object value : values) {
            String text = document.text(value);
            if (equals != null && equals.equals(text)) {
                return true;
            }
            if (equals == null && matches != null && text != null && regexes.matchesWhole(matches, text)) {
                return true;
            }
        }
        return false;
    }

    /** How the body is read for this rule and answer. */
    static BodyParsing kind(VerdictRule rule, String contentType) {
        BodyParsing parseAs = rule.getParseAs();
        if (parseAs != null && parseAs != BodyParsing.AUTO) {
            return parseAs;
        }
        BodyParsing byRule = RuleLanguage.of(rule);
        if (byRule != null) {
            return byRule;
        }
        String media = ResponseText.mediaType(contentType);
        if (media.endsWith("/json") || media.endsWith("+json")) {
            return BodyParsing.JSON;
        }
        if (media.endsWith("/xml") || media.endsWith("+xml")) {
            return BodyParsing.XML;
        }
        return BodyParsing.TEXT;
    }

    private static String firstNonBlank(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate;
            }
        }
        return null;
    }

    private record Decision(Verdict verdict, String description, Classification.Cause cause) {
    }

    /** One response: its text and its parsed body, each made at most once and only when something needs it. */
    final class Answer {
        private final AdvertiserResponse response;
        private final VerdictRule rule;
        final BodyParsing kind;
        private String text;
        private ResponseDocument document;
        private ResponseDocument.UnreadableBodyException failure;

        Answer(AdvertiserResponse response, VerdictRule rule) {
            this.response = response;
            this.rule = rule;
            this.kind = kind(rule, ResponseText.contentType(response));
        }

        boolean hasBody() {
            return response.getBody() != null && response.getBody().hasRemaining();
        }

        String text() {
            if (text == null) {
                Charset fallback = ResponseText.charsetNamed(rule.getCharsetFallback());
                text = ResponseText.of(response, fallback);
            }
            return text;
        }

        String truncationNote() {
            return response.getBodyTruncated()
                    ? "Response body was truncated at " + ResponseText.bytes(response).length + " bytes; " : "";
        }

        ResponseDocument document() throws ResponseDocument.UnreadableBodyException {
            if (document == null && failure == null) {
                try {
                    document = parse();
                } catch (ResponseDocument.UnreadableBodyException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                throw failure;
            }
            return document;
        }

        private ResponseDocument parse() throws ResponseDocument.UnreadableBodyException {
            return switch (kind) {
                case JSON -> json.parse(text());
                case XML -> ResponseText.declaredCharset(ResponseText.contentType(response)) == null
                        // no charset in the header: the XML declaration (or UTF-8) says how to decode
                        ? xml.parse(ResponseText.bytes(response), rule.getNamespaces())
                        : xml.parse(text(), rule.getNamespaces());
                default -> regexes.document(text());
            };
        }

        /** Extraction is best effort: an unreadable body or a broken expression extracts nothing. */
        private List<Object> extract(String expression) {
            if (expression == null || expression.isBlank()) {
                return List.of();
            }
            try {
                return document().select(expression);
            } catch (ResponseDocument.UnreadableBodyException | ResponseDocument.InvalidExpressionException e) {
                return List.of();
            }
        }

        private String joined(String expression) {
            List<Object> values = extract(expression);
            if (values.isEmpty()) {
                return null;
            }
            ResponseDocument doc = document;
            String joined = values.stream().map(doc::text).filter(Objects::nonNull).map(String::trim)
                    .filter(s -> !s.isEmpty()).collect(Collectors.joining(REASON_SEPARATOR));
            return joined.isEmpty() ? null : joined;
        }

        /** Several reasons (e.g. one per failed field) are joined in document order. */
        String reason(Extraction extraction) {
            return extraction == null ? null : joined(extraction.getReason());
        }

        String orderId(Extraction extraction) {
            List<Object> values = extract(extraction == null ? null : extraction.getOrderId());
            if (values.isEmpty()) {
                return null;
            }
            String id = document.text(values.get(0));
            return id == null || id.isBlank() ? null : id.trim();
        }

        /**
         * The amount from the number's or string's own digits (never through a double, except an XPath number).
         * A value that is not a plain decimal number counts as absent.
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
                return new BigDecimal(document.text(value).trim()).setScale(MONEY_SCALE, RoundingMode.HALF_EVEN);
            } catch (NumberFormatException | ArithmeticException e) {
                return null;
            }
        }

        Map<String, String> extras(Extraction extraction) {
            if (extraction == null || extraction.getExtras() == null || extraction.getExtras().isEmpty()) {
                return Map.of();
            }
            Map<String, String> out = new TreeMap<>();
            extraction.getExtras().forEach((name, expression) -> {
                String value = joined(expression);
                if (value != null) {
                    out.put(name, value);
                }
            });
            return out;
        }
    }

    /** Status specs: {@code 200}, {@code 2xx}, {@code 400-499}. */
    static final class StatusSpec {
        private StatusSpec() {
        }

        static boolean matches(String spec, int status) {
            if (spec == null) {
                return false;
            }
            String s = spec.trim().toLowerCase(Locale.ROOT);
            if (s.length() == 3 && s.endsWith("xx") && Character.isDigit(s.charAt(0))) {
                return status / 100 == s.charAt(0) - '0';
            }
            int dash = s.indexOf('-');
            try {
                if (dash > 0) {
                    int from = Integer.parseInt(s.substring(0, dash).trim());
                    int to = Integer.parseInt(s.substring(dash + 1).trim());
                    return status >= from && status <= to;
                }
                return status == Integer.parseInt(s);
            } catch (NumberFormatException e) {
                return false;
            }
        }

        /** Null when the spec is well formed, else what is wrong with it. */
        static String problem(String spec) {
            if (spec == null || spec.isBlank()) {
                return "empty status";
            }
            String s = spec.trim().toLowerCase(Locale.ROOT);
            if (s.matches("[1-5]xx")) {
                return null;
            }
            if (s.matches("\\d{3}")) {
                int v = Integer.parseInt(s);
                return v >= 100 && v <= 599 ? null : "not an HTTP status: " + spec;
            }
            if (s.matches("\\d{3}\\s*-\\s*\\d{3}")) {
                String[] parts = s.split("-");
                int from = Integer.parseInt(parts[0].trim());
                int to = Integer.parseInt(parts[1].trim());
                return from >= 100 && to <= 599 && from <= to ? null : "not a status range: " + spec;
            }
            return "expected a status such as 200, a class such as 2xx, or a range such as 400-499: " + spec;
        }
    }
}
