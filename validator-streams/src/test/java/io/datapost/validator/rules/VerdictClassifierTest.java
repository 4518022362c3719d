package io.datapost.validator.rules;

import static io.datapost.validator.Fixtures.insuranceQuote;
import static io.datapost.validator.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.VerdictRule;
import io.datapost.validator.Fixtures;

class VerdictClassifierTest {

    private final VerdictClassifier classifier = new VerdictClassifier();
    private final EventType insuranceQuote = insuranceQuote().build();

    @Test
    void acceptsMatchingAnswerAndExtractsOrderIdAndAmount() {
        // Given
        AdvertiserResponse response = json("s-1", 1, true, 200,
                "{\"status\":\"accepted\",\"lead_id\":\"L-311\",\"price\":\"7.25\"}").build();

        // When
        Classification result = classifier.classify(insuranceQuote, response);

        // Then
        assertThat(result.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(result.orderId()).isEqualTo("L-311");
        assertThat(result.amount()).isEqualTo(new BigDecimal("7.2500"));
        assertThat(result.amountDefaulted()).isFalse();
        assertThat(result.reason()).isNull();
    }

    @Test
    void rejectsNonMatchingAnswerWithAdvertisersReason() {
        AdvertiserResponse response = json("s-1", 1, true, 200,
                "{\"status\":\"rejected\",\"reason\":\"Duplicate lead\"}").build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.REJECTED);
        assertThat(result.reason()).isEqualTo("Duplicate lead");
    }

    @Test
    void rejectsStatusOutsideAcceptStatusesWithReasonFromBody() {
        AdvertiserResponse response = json("s-1", 1, true, 400, "{\"reason\":\"malformed request\"}").build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.REJECTED);
        assertThat(result.reason()).isEqualTo("malformed request");
    }

    @Test
    void rejectsStatusOutsideAcceptStatusesWithHttpStatusWhenBodyIsNotJson() {
        AdvertiserResponse response = Fixtures.answer("s-1", 1, true, 404, "text/html", "<h1>Not found</h1>").build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.REJECTED);
        assertThat(result.reason()).isEqualTo("HTTP 404");
    }

    @Test
    void serverErrorIsErrorNeverRejected() {
        AdvertiserResponse response = Fixtures.answer("s-1", 3, true, 503, "text/html",
                "<html><body>Service Unavailable</body></html>").build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).isEqualTo("HTTP 503");
    }

    @Test
    void serverErrorReportedAsFailureClassCarriesTheFailureMessage() {
        AdvertiserResponse response = Fixtures.response("s-1", 3, true, FailureClass.HTTP_5XX)
                .setHttpStatus(500).setFailureMessage("HTTP 500 Internal Server Error").build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).isEqualTo("HTTP 500 Internal Server Error");
    }

    @Test
    void connectFailureIsErrorWithFailureMessage() {
        AdvertiserResponse response = Fixtures.response("s-1", 3, true, FailureClass.CONNECT)
                .setFailureMessage("Connection refused").build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).isEqualTo("Connection refused");
    }

    @Test
    void unparseableJsonIsErrorWithTheParseProblemAsReason() {
        AdvertiserResponse response = json("s-1", 1, true, 200, "{\"status\":\"accep").build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).startsWith("Response body is not valid JSON: ").contains("line 1");
    }

    @Test
    void htmlErrorPageUnderAcceptedStatusIsError() {
        AdvertiserResponse response = Fixtures.answer("s-1", 1, true, 200, "text/html",
                "<html><body>Oops</body></html>").build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).startsWith("Response body is not valid JSON");
    }

    @Test
    void emptyBodyUnderAcceptedStatusIsError() {
        AdvertiserResponse response = json("s-1", 1, true, 200, null).build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).contains("empty");
    }

    @Test
    void acceptedAnswerWithoutAmountGetsTheDefaultPriceFlaggedAsDefaulted() {
        AdvertiserResponse response = json("s-1", 1, true, 200, "{\"status\":\"accepted\",\"lead_id\":\"L-1\"}")
                .build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(result.amount()).isEqualTo(new BigDecimal("10.0000"));
        assertThat(result.amountDefaulted()).isTrue();
    }

    @Test
    void jsonNumberPriceIsReadExactly() {
        AdvertiserResponse response = json("s-1", 1, true, 201, "{\"status\":\"accepted\",\"price\":12.5}").build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.amount()).isEqualByComparingTo("12.50");
        assertThat(result.amount()).isEqualTo(new BigDecimal("12.5000"));
    }

    @Test
    void priceWithMoreDigitsThanADoubleHoldsIsNotRounded() {
        // a double would read this as 12345678901234.568
        AdvertiserResponse response = json("s-1", 1, true, 200,
                "{\"status\":\"accepted\",\"price\":12345678901234.5678}").build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.amount()).isEqualTo(new BigDecimal("12345678901234.5678"));
    }

    @Test
    void numericCodeInA200IsComparedAsText() {
        EventType codeRule = insuranceQuote()
                .setRule(VerdictRule.newBuilder().setJsonPath("$.code").setEquals("2000").build()).build();

        Classification accepted = classifier.classify(codeRule,
                json("s-1", 1, true, 200, "{\"code\":2000,\"message\":\"success\",\"lead_id\":\"a-77\"}").build());
        Classification rejected = classifier.classify(codeRule,
                json("s-2", 1, true, 200, "{\"code\":4090,\"reason\":\"phone already registered\"}").build());

        assertThat(accepted.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(accepted.orderId()).isEqualTo("a-77");
        assertThat(rejected.verdict()).isEqualTo(Verdict.REJECTED);
        assertThat(rejected.reason()).isEqualTo("phone already registered");
    }

    @Test
    void booleanIsComparedAsText() {
        EventType booleanRule = insuranceQuote()
                .setRule(VerdictRule.newBuilder().setJsonPath("$.success").setEquals("true").build()).build();

        Classification accepted = classifier.classify(booleanRule,
                json("s-1", 1, true, 200, "{\"success\":true}").build());
        Classification rejected = classifier.classify(booleanRule,
                json("s-2", 1, true, 200, "{\"success\":false}").build());

        assertThat(accepted.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(rejected.verdict()).isEqualTo(Verdict.REJECTED);
        assertThat(rejected.reason()).isEqualTo("$.success is false, expected true");
    }

    @Test
    void missingDecisionValueRejects() {
        Classification result = classifier.classify(insuranceQuote,
                json("s-1", 1, true, 200, "{\"lead_id\":\"L-1\"}").build());

        assertThat(result.verdict()).isEqualTo(Verdict.REJECTED);
        assertThat(result.reason()).isEqualTo("$.status is absent, expected accepted");
    }

    @Test
    void bodyIsDecodedWithTheCharsetOfItsContentType() {
        AdvertiserResponse response = Fixtures.answer("s-1", 1, true, 200, "text/html; charset=ISO-8859-1", null)
                .setBody(Fixtures.bytes("{\"status\":\"accepted\",\"lead_id\":\"Zürich-42\"}",
                        StandardCharsets.ISO_8859_1))
                .build();

        Classification result = classifier.classify(insuranceQuote, response);

        assertThat(result.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(result.orderId()).isEqualTo("Zürich-42");
    }

    @Test
    void repeatedReasonsAreJoinedInDocumentOrder() {
        EventType manyReasons = insuranceQuote().setExtraction(
                io.datapost.schemas.Extraction.newBuilder().setReason("$.errors[*].message").build()).build();

        Classification result = classifier.classify(manyReasons, json("s-1", 1, true, 200,
                "{\"status\":\"rejected\",\"errors\":[{\"message\":\"Offer Over Lead Cap\"},{\"message\":\"Invalid Zip\"}]}")
                .build());

        assertThat(result.reason()).isEqualTo("Offer Over Lead Cap, Invalid Zip");
    }

    @Test
    void statusOnlyRuleAcceptsWithoutParsingTheBody() {
        EventType statusOnly = insuranceQuote().setRule(VerdictRule.newBuilder().build()).build();

        Classification result = classifier.classify(statusOnly,
                Fixtures.answer("s-1", 1, true, 201, "text/plain", "OK").build());

        assertThat(result.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(result.amountDefaulted()).isTrue();
    }

    @Test
    void malformedRuleExpressionIsErrorNotAcceptance() {
        EventType broken = insuranceQuote()
                .setRule(VerdictRule.newBuilder().setJsonPath("$.[").setEquals("x").build()).build();

        Classification result = classifier.classify(broken, json("s-1", 1, true, 200, "{\"status\":\"x\"}").build());

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).startsWith("Event type rule is invalid");
    }
}
