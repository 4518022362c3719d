package io.datapost.validator.rules;

import static io.datapost.validator.rules.RuleFixtures.answer;
import static io.datapost.validator.rules.RuleFixtures.clause;
import static io.datapost.validator.rules.RuleFixtures.eventType;
import static io.datapost.validator.rules.RuleFixtures.extraction;
import static io.datapost.validator.rules.RuleFixtures.rule;
import static io.datapost.validator.rules.RuleFixtures.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.BodyParsing;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Verdict;

/** Answers are untrusted input: DTDs, entities, huge or truncated bodies, hostile text against regexes. */
class UntrustedAnswersTest {

    private final VerdictClassifier classifier = new VerdictClassifier();
    private final EventType xmlType = eventType(
            rule(clause(when().setXpath("/r/code").setEquals("0").build(), Verdict.ACCEPTED)).build(),
            extraction("/r/id", "/r/price", "/r/reason"));

    @Test
    void externalEntityIsNeverResolvedAndTheAnswerIsError(@TempDir Path dir) throws Exception {
        // Given a file the entity points at
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "CONTENT-OF-A-LOCAL-FILE");
        String body = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"" + secret.toUri() + "\">]>"
                + "<r><code>0</code><id>&x;</id><reason>&x;</reason></r>";

        // When
        Classification result = classifier.classify(xmlType, answer(200, "text/xml", body));

        // Then
        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).isEqualTo(XmlDocuments.DTD_REFUSED);
        assertThat(result.toString()).doesNotContain("CONTENT-OF-A-LOCAL-FILE");
        assertThat(result.orderId()).isNull();
        assertThat(result.extras()).isEmpty();
    }

    @Test
    void internalEntityTextAppearsNowhere() {
        String body = "<!DOCTYPE r [<!ENTITY s \"ENTITY-TEXT-42\">]><r><code>0</code><id>&s;</id><reason>&s;</reason></r>";

        Classification result = classifier.classify(xmlType, answer(200, "application/xml", body));

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.toString()).doesNotContain("ENTITY-TEXT-42");
    }

    @Test
    void billionLaughsIsRefusedAtOnce() {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE r [<!ENTITY l0 \"ha\">");
        for (int i = 1; i <= 10; i++) {
            dtd.append("<!ENTITY l").append(i).append(" \"").append(("&l" + (i - 1) + ";").repeat(10)).append("\">");
        }
        String body = dtd + "]><r><code>&l10;</code></r>";

        Classification result = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> classifier.classify(xmlType, answer(200, "text/xml", body)));

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).isEqualTo(XmlDocuments.DTD_REFUSED);
    }

    @Test
    void bodyThatDoesNotParseIsErrorWithTheParseProblem() {
        EventType jsonType = eventType(
                rule(clause(when().setJsonPath("$.status").setEquals("ok").build(), Verdict.ACCEPTED)).build(),
                extraction("$.id", null, "$.reason"));

        Classification html = classifier.classify(jsonType,
                answer(200, "text/html", "<html><body>Oops</body></html>"));
        Classification truncatedXml = classifier.classify(xmlType, answer(200, "text/xml", "<r><code>0</code><id>"));

        assertThat(html.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(html.reason()).startsWith("Response body is not valid JSON: ").contains("line 1");
        assertThat(html.cause()).isEqualTo(Classification.Cause.UNREADABLE_BODY);
        assertThat(truncatedXml.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(truncatedXml.reason()).startsWith("Response body is not valid XML: ");
    }

    @Test
    void truncatedBodyIsErrorSayingItWasTruncated() {
        AdvertiserResponse cut = answer(200, "application/json", "{\"status\":\"ok\",\"id\":\"12");
        cut.setBodyTruncated(true);
        EventType jsonType = eventType(
                rule(clause(when().setJsonPath("$.status").setEquals("ok").build(), Verdict.ACCEPTED)).build(),
                extraction("$.id", null, null));

        Classification result = classifier.classify(jsonType, cut);

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.reason()).startsWith("Response body was truncated at 23 bytes; Response body is not valid JSON");
    }

    @Test
    void ruleOfStatusOrRegexOnlyDecidesWhateverTheBody() {
        EventType textType = eventType(rule(
                clause(when().setStatus(java.util.List.of("2xx")).setRegex("(?i)^ok\\b").build(), Verdict.ACCEPTED))
                .build(), extraction("$.id", null, null));

        // the Content-Type says JSON, the body is not: the rule does not need it parsed, extraction gets nothing
        Classification result = classifier.classify(textType, answer(200, "application/json", "OK id=A1 {not json"));

        assertThat(result.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(result.orderId()).isNull();
    }

    @Test
    void regexFromConfigRunsInLinearTimeOnAHostileAnswer() {
        // catastrophic for a backtracking engine: (a+)+$ against many a's and a final mismatch
        EventType textType = eventType(rule(
                clause(when().setRegex("(a+)+$").build(), Verdict.ACCEPTED)).setParseAs(BodyParsing.TEXT).build(),
                extraction(null, null, null));
        String hostile = "a".repeat(50_000) + "!";

        Classification result = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> classifier.classify(textType, answer(200, "text/plain", hostile)));

        assertThat(result.verdict()).isEqualTo(Verdict.REJECTED);
    }

    @Test
    void jsonPathRegexFiltersAreRefusedAsAnInvalidRule() {
        EventType jsonType = eventType(rule(clause(when().setJsonPath("$[?(@.s =~ /(a+)+$/)]").build(),
                Verdict.ACCEPTED)).build(), extraction(null, null, null));

        Classification result = classifier.classify(jsonType, answer(200, "application/json", "[{\"s\":\"aaa\"}]"));

        assertThat(result.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(result.cause()).isEqualTo(Classification.Cause.INVALID_RULE);
    }

    @Test
    void charsetComesFromTheHeaderElseTheConfiguredFallback() {
        EventType latin = eventType(rule(clause(when().setJsonPath("$.s").setEquals("ok").build(), Verdict.ACCEPTED))
                .setCharsetFallback("ISO-8859-1").build(), extraction("$.ref", null, null));
        byte[] latin1 = "{\"s\":\"ok\",\"ref\":\"Zürich\"}".getBytes(StandardCharsets.ISO_8859_1);
        byte[] utf8 = "{\"s\":\"ok\",\"ref\":\"Zürich\"}".getBytes(StandardCharsets.UTF_8);

        assertThat(classifier.classify(latin, answer(200, "application/json", latin1)).orderId()).isEqualTo("Zürich");
        assertThat(classifier.classify(latin, answer(200, "application/json; charset=utf-8", utf8)).orderId())
                .isEqualTo("Zürich");
    }
}
