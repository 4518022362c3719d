package io.datapost.ingest.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.FieldCheck;
import io.datapost.schemas.FieldCheckKind;
import io.datapost.schemas.VerdictRule;

class LeadRulesTest {

    private final LeadRules rules = new LeadRules();
    private final EventType insuranceQuote = EventType.newBuilder()
            .setId("insurance-quote")
            .setRequiredFields(List.of("email", "phone", "first_name", "last_name", "zip"))
            .setRequest(AdvertiserRequest.newBuilder().setUrl("http://127.0.0.1:1/").build())
            .setRule(VerdictRule.newBuilder().build())
            .setExtraction(Extraction.newBuilder().build())
            .build();

    private static LeadBody body(Map<String, String> fields, FieldProblem... problems) {
        return new LeadBody(fields, List.of(problems));
    }

    private static Map<String, String> complete() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("email", "ana@example.org");
        fields.put("phone", "5550102233");
        fields.put("first_name", "Ana");
        fields.put("last_name", "Silva");
        fields.put("zip", "30301");
        return fields;
    }

    @Test
    void completeLeadHasNoProblems() {
        assertThat(rules.check(insuranceQuote, body(complete()), null)).isEmpty();
    }

    @Test
    void everyFailingFieldIsListedWithoutItsValue() {
        Map<String, String> fields = complete();
        fields.remove("phone");
        fields.put("zip", "  ");
        fields.put("first_name", "Ana\r\nX-Injected: 1");
        fields.put("last_name", "Nul\u0000");
        fields.put("note", "line\nCanary");

        List<FieldProblem> problems = rules.check(insuranceQuote,
                body(fields, new FieldProblem("address", "must be a single string, number or boolean")), null);

        assertThat(problems).extracting(FieldProblem::field)
                .containsExactlyInAnyOrder("address", "first_name", "last_name", "note", "phone", "zip");
        assertThat(problems).extracting(FieldProblem::message)
                .noneMatch(m -> m.contains("Ana") || m.contains("X-Injected") || m.contains("Nul") || m.contains("Canary"));
    }

    @Test
    void requiredFieldWithAnotherProblemIsReportedOnce() {
        Map<String, String> fields = complete();
        fields.remove("zip");

        List<FieldProblem> problems = rules.check(insuranceQuote,
                body(fields, new FieldProblem("zip", "must appear only once")), null);

        assertThat(problems).containsExactly(new FieldProblem("zip", "must appear only once"));
    }

    @Test
    void everyControlCharacterButTabIsAFormatError() {
        for (String bad : new String[] {"a\rb", "a\nb", "a\u0000b", "a\u001bb", "a\u007fb", "a\u0085b"}) {
            Map<String, String> fields = complete();
            fields.put("first_name", bad);

            assertThat(rules.check(insuranceQuote, body(fields), null)).as(bad.codePoints().boxed().toList().toString())
                    .extracting(FieldProblem::field).containsExactly("first_name");
        }
    }

    @Test
    void aRequiredFieldOfOnlyNoBreakSpacesIsMissing() {
        for (String blank : new String[] {"\u00a0", " \u2007 ", "\u202f\t"}) {
            Map<String, String> fields = complete();
            fields.put("last_name", blank);

            assertThat(rules.check(insuranceQuote, body(fields), null)).as(blank.chars().boxed().toList().toString())
                    .extracting(FieldProblem::field, FieldProblem::message)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("last_name", "is required"));
        }
        assertThat(rules.check(insuranceQuote, body(complete()), "\u00a0")).extracting(FieldProblem::field)
                .containsExactly(LeadRules.IDEMPOTENCY_KEY_HEADER);
    }

    @Test
    void anUnpairedSurrogateIsAFormatErrorAndAPairIsFine() {
        for (String bad : new String[] {"A\ud800", "\udc00A", "A\ud800B", "\ud83d\ud83d"}) {
            Map<String, String> fields = complete();
            fields.put("first_name", bad);

            assertThat(rules.check(insuranceQuote, body(fields), null)).as(bad.chars().boxed().toList().toString())
                    .extracting(FieldProblem::field).containsExactly("first_name");
        }
        Map<String, String> named = complete();
        named.put("x\udc00", "1");
        assertThat(rules.check(insuranceQuote, body(named), null)).extracting(FieldProblem::field)
                .containsExactly("");
        assertThat(LeadRules.hasUnpairedSurrogate("A\ud83c\udf1f")).isFalse();
    }

    @Test
    void tabEmojiAndRightToLeftTextAreFine() {
        Map<String, String> fields = complete();
        fields.put("first_name", "נועה 🌟");
        fields.put("last_name", "a\tb");

        assertThat(rules.check(insuranceQuote, body(fields), null)).isEmpty();
    }

    @Test
    void idempotencyKeyIsOneToTwoHundredPrintableCharacters() {
        assertThat(rules.check(insuranceQuote, body(complete()), "k".repeat(200))).isEmpty();
        for (String bad : new String[] {"k".repeat(201), "", "  ", "a\r\nb"}) {
            assertThat(rules.check(insuranceQuote, body(complete()), bad)).as(bad)
                    .extracting(FieldProblem::field).containsExactly(LeadRules.IDEMPOTENCY_KEY_HEADER);
        }
    }

    @Nested
    class FieldChecks {

        private final EventType checked = EventType.newBuilder(insuranceQuote).setFieldChecks(List.of(
                check("email", FieldCheckKind.EMAIL, null, null),
                check("phone", FieldCheckKind.PHONE, null, null),
                check("zip", FieldCheckKind.ZIP, null, null),
                check("postcode", FieldCheckKind.ZIP, null, "gb"),
                check("ref", FieldCheckKind.REGEX, "[A-Z]{3}-\\d{4}", null),
                check("broken", FieldCheckKind.REGEX, "(unclosed", null))).build();

        private FieldCheck check(String field, FieldCheckKind kind, String pattern, String region) {
            return FieldCheck.newBuilder().setField(field).setCheck(kind).setPattern(pattern).setRegion(region).build();
        }

        @Test
        void valuesInTheirFormatPass() {
            Map<String, String> fields = complete();
            fields.put("phone", "(555) 010-2233");
            fields.put("zip", "30301-1234");
            fields.put("postcode", "SW1A 1AA");
            fields.put("ref", "ABC-1234");
            fields.put("broken", "anything");

            assertThat(rules.check(checked, body(fields), null)).isEmpty();
        }

        @Test
        void everyValueOutOfItsFormatIsListedWithoutTheValue() {
            Map<String, String> fields = complete();
            fields.put("email", "ana.at.example.org");
            fields.put("phone", "12");
            fields.put("zip", "3030");
            fields.put("postcode", "30301");
            fields.put("ref", "abc-1234");

            List<FieldProblem> problems = rules.check(checked, body(fields), null);

            assertThat(problems).extracting(FieldProblem::field)
                    .containsExactly("email", "phone", "zip", "postcode", "ref");
            assertThat(problems).extracting(FieldProblem::message)
                    .noneMatch(m -> m.contains("ana") || m.contains("3030") || m.contains("abc"));
        }

        @Test
        void absentOptionalFieldIsNotCheckedAndAMissingRequiredOneIsReportedOnce() {
            Map<String, String> fields = complete();
            fields.remove("email");

            assertThat(rules.check(checked, body(fields), null))
                    .containsExactly(new FieldProblem("email", "is required"));
        }
    }
}
