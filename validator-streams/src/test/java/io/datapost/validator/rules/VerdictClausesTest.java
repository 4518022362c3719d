package io.datapost.validator.rules;

import static io.datapost.validator.rules.RuleFixtures.answer;
import static io.datapost.validator.rules.RuleFixtures.clause;
import static io.datapost.validator.rules.RuleFixtures.eventType;
import static io.datapost.validator.rules.RuleFixtures.extraction;
import static io.datapost.validator.rules.RuleFixtures.namespaces;
import static io.datapost.validator.rules.RuleFixtures.rule;
import static io.datapost.validator.rules.RuleFixtures.when;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.Verdict;
import io.datapost.validator.Fixtures;

/** The full rule form: clauses in order, all/any/not, status classes and ranges, XPath with namespaces. */
class VerdictClausesTest {

    private final VerdictClassifier classifier = new VerdictClassifier();

    @Test
    void firstHoldingClauseDecidesAndAnyAllNotCombine() {
        EventType type = eventType(rule(
                clause(when().setStatus(List.of("5xx")).build(), Verdict.ERROR),
                clause(when().setAll(List.of(
                        when().setStatus(List.of("200-299")).build(),
                        when().setAny(List.of(
                                when().setJsonPath("$.code").setEquals("2000").build(),
                                when().setJsonPath("$.code").setMatches("20\\d\\d").build())).build(),
                        when().setNot(when().setJsonPath("$.test").build()).build())).build(), Verdict.ACCEPTED))
                .setErrorOn5xx(false).build(), extraction("$.id", null, "$.message"));

        assertThat(classifier.classify(type, answer(200, "application/json", "{\"code\":2001,\"id\":\"a\"}")).verdict())
                .isEqualTo(Verdict.ACCEPTED);
        assertThat(classifier.classify(type, answer(200, "application/json", "{\"code\":2000,\"test\":true}")).verdict())
                .isEqualTo(Verdict.REJECTED);
        assertThat(classifier.classify(type, answer(404, "application/json", "{\"code\":2000}")).verdict())
                .isEqualTo(Verdict.REJECTED);
        assertThat(classifier.classify(type, answer(502, "application/json", "{\"message\":\"down\"}")))
                .extracting(Classification::verdict, Classification::reason)
                .containsExactly(Verdict.ERROR, "down");
    }

    @Test
    void nothingMatchingGivesOtherwiseAndSaysSo() {
        EventType type = eventType(rule(clause(when().setContains("OK").build(), Verdict.ACCEPTED))
                .setOtherwise(Verdict.ERROR).build(), extraction(null, null, null));

        Classification result = classifier.classify(type, answer(200, "text/plain", "who knows"));

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).isEqualTo("HTTP 200 matched no verdict clause");
        assertThat(result.suggestsMisconfiguration()).isTrue();
    }

    @Test
    void transportFailureAndServerErrorAreErrorNeverRejected() {
        EventType type = eventType(rule(clause(when().setStatus(List.of("2xx")).build(), Verdict.ACCEPTED)).build(),
                extraction(null, null, null));

        Classification timeout = classifier.classify(type, Fixtures.response("s-1", 1, true, FailureClass.TIMEOUT)
                .setFailureMessage("SocketTimeoutException: timeout").build());
        Classification server = classifier.classify(type, answer(503, "text/html", "<html>busy</html>"));

        assertThat(timeout.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(timeout.cause()).isEqualTo(Classification.Cause.TRANSPORT);
        assertThat(server.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(server.suggestsMisconfiguration()).isFalse();
    }

    @Test
    void namespaceAwareXPathExtractsAmountAsDecimalAndJoinsReasonsInDocumentOrder() {
        Extraction extraction = Extraction.newBuilder().setOrderId("//l:Id").setAmount("//l:Price")
                .setReason("//l:Error").setExtras(Map.of("buyer", "//l:Buyer", "tier", "//l:Tier")).build();
        EventType type = eventType(rule(clause(when().setXpath("//l:Status").setEquals("OK").build(), Verdict.ACCEPTED))
                .setNamespaces(namespaces("l", "urn:leads")).build(), extraction);
        String ok = "<a:R xmlns:a=\"urn:leads\"><a:Status>OK</a:Status><a:Id> 77 </a:Id><a:Price>12345678901234.5678</a:Price>"
                + "<a:Buyer>B-1</a:Buyer></a:R>";
        String no = "<R xmlns=\"urn:leads\"><Status>NO</Status><Error>Cap</Error><Error>Zip</Error><Error></Error></R>";
        String otherNamespace = "<R xmlns=\"urn:other\"><Status>OK</Status></R>";

        Classification accepted = classifier.classify(type, answer(200, "text/xml", ok));
        Classification rejected = classifier.classify(type, answer(200, "text/xml", no));

        assertThat(accepted.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(accepted.orderId()).isEqualTo("77");
        assertThat(accepted.amount()).isEqualTo(new BigDecimal("12345678901234.5678"));
        assertThat(accepted.extras()).containsExactly(Map.entry("buyer", "B-1"));
        assertThat(rejected.reason()).isEqualTo("Cap, Zip");
        assertThat(rejected.amount()).isNull();
        assertThat(classifier.classify(type, answer(200, "text/xml", otherNamespace)).verdict())
                .isEqualTo(Verdict.REJECTED);
    }

    @Test
    void acceptedWithoutAmountUsesTheDefaultPriceAndSaysSo() {
        EventType type = eventType(rule(clause(when().setJsonPath("$.ok").build(), Verdict.ACCEPTED)).build(),
                extraction(null, "$.price", null));

        Classification result = classifier.classify(type, answer(200, "application/json", "{\"ok\":true}"));

        assertThat(result.amount()).isEqualTo(new BigDecimal("10.0000"));
        assertThat(result.amountDefaulted()).isTrue();
    }

    @Test
    void ruleCheckReportsExpressionsThatDoNotCompile() {
        EventType type = eventType(rule(
                clause(when().setXpath("//x:Status").build(), Verdict.ACCEPTED),
                clause(when().setRegex("(a)\\1").build(), Verdict.NO_RESPONSE),
                clause(when().setStatus(List.of("2x", "600")).build(), Verdict.REJECTED)).build(),
                extraction("//[", null, null));

        assertThat(RuleCheck.check(type)).extracting(RuleCheck.Problem::field).containsExactly(
                "rule.verdicts[0].when.xpath", "rule.verdicts[1].outcome", "rule.verdicts[1].when.regex",
                "rule.verdicts[2].when.status[0]", "rule.verdicts[2].when.status[1]", "extraction.orderId");
    }
}
