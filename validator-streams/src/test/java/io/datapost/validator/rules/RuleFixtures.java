package io.datapost.validator.rules;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.BodyParsing;
import io.datapost.schemas.Condition;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.VerdictClause;
import io.datapost.schemas.VerdictRule;
import io.datapost.validator.Fixtures;

/** Event types with full-form rules, and answers, for the rules tests. */
final class RuleFixtures {

    private RuleFixtures() {
    }

    static VerdictRule.Builder rule(VerdictClause... clauses) {
        return VerdictRule.newBuilder().setVerdicts(Arrays.asList(clauses));
    }

    static VerdictClause clause(Condition when, Verdict outcome) {
        return VerdictClause.newBuilder().setWhen(when).setOutcome(outcome).build();
    }

    static Condition.Builder when() {
        return Condition.newBuilder();
    }

    static EventType eventType(VerdictRule rule, Extraction extraction) {
        return EventType.newBuilder().setId(Fixtures.EVENT_TYPE).setCurrency("USD")
                .setDefaultPrice(Fixtures.money("10.00"))
                .setRequest(AdvertiserRequest.newBuilder().setUrl("http://127.0.0.1:1/x").build())
                .setRule(rule).setExtraction(extraction).build();
    }

    static Extraction extraction(String orderId, String amount, String reason) {
        return Extraction.newBuilder().setOrderId(orderId).setAmount(amount).setReason(reason).build();
    }

    static AdvertiserResponse answer(int status, String contentType, String body) {
        return answer(status, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    static AdvertiserResponse answer(int status, String contentType, String body, Charset charset) {
        return answer(status, contentType, body.getBytes(charset));
    }

    static AdvertiserResponse answer(int status, String contentType, byte[] body) {
        return Fixtures.answer("s-1", 1, true, status, contentType, null)
                .setBody(body == null ? null : ByteBuffer.wrap(body)).build();
    }

    static Map<String, String> namespaces(String... prefixUri) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < prefixUri.length; i += 2) {
            out.put(prefixUri[i], prefixUri[i + 1]);
        }
        return out;
    }

    static List<String> statuses(String... specs) {
        return List.of(specs);
    }

    static BodyParsing json() {
        return BodyParsing.JSON;
    }
}
