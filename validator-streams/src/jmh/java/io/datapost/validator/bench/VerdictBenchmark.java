package io.datapost.validator.bench;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.Condition;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.VerdictClause;
import io.datapost.schemas.VerdictRule;
import io.datapost.validator.rules.Classification;
import io.datapost.validator.rules.VerdictClassifier;

/**
 * Verdict + extraction of one advertiser answer of about 2 KB, JSON and XML, on one thread: the body is decoded
 * and parsed on every operation (as for every real answer), then the rule's clause and the extraction of order
 * id, amount, reason and two extras are evaluated. Run: see validator-streams/README.md ("Benchmark").
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgs = {"-Xms256m", "-Xmx256m"})
@Threads(1)
public class VerdictBenchmark {

    private final VerdictClassifier classifier = new VerdictClassifier();
    private EventType jsonType;
    private EventType xmlType;
    private AdvertiserResponse jsonAnswer;
    private AdvertiserResponse xmlAnswer;

    @Setup
    public void setUp() {
        jsonType = eventType(VerdictRule.newBuilder().setVerdicts(List.of(clause(Condition.newBuilder()
                .setJsonPath("$.result.status").setEquals("accepted").build()))).build(),
                Extraction.newBuilder().setOrderId("$.result.lead_id").setAmount("$.result.price")
                        .setReason("$.result.errors[*].message")
                        .setExtras(Map.of("buyer", "$.result.buyer.name", "tier", "$.result.buyer.tier")).build());
        xmlType = eventType(VerdictRule.newBuilder().setNamespaces(Map.of("l", "urn:example:leads"))
                .setVerdicts(List.of(clause(Condition.newBuilder()
                        .setXpath("/l:response/l:status").setEquals("accepted").build()))).build(),
                Extraction.newBuilder().setOrderId("/l:response/l:leadId").setAmount("/l:response/l:price")
                        .setReason("/l:response/l:errors/l:error")
                        .setExtras(Map.of("buyer", "/l:response/l:buyer/l:name", "tier", "/l:response/l:buyer/@tier"))
                        .build());
        jsonAnswer = answer("application/json; charset=utf-8", jsonBody());
        xmlAnswer = answer("application/xml; charset=utf-8", xmlBody());
        check(classifier.classify(jsonType, jsonAnswer));
        check(classifier.classify(xmlType, xmlAnswer));
    }

    @Benchmark
    public Classification json2kb() {
        return classifier.classify(jsonType, jsonAnswer);
    }

    @Benchmark
    public Classification xml2kb() {
        return classifier.classify(xmlType, xmlAnswer);
    }

    private static void check(Classification result) {
        if (result.verdict() != Verdict.ACCEPTED || !"L-4242".equals(result.orderId())
                || result.amount().compareTo(new BigDecimal("12.50")) != 0 || result.extras().size() != 2) {
            throw new IllegalStateException("The benchmark's answer is not read right: " + result);
        }
    }

    /** 2 KB (2,048 bytes or a little more, up to one item): the decisive fields first, then line items. */
    private static String jsonBody() {
        StringBuilder items = new StringBuilder();
        String body = "";
        for (int i = 0; body.getBytes(StandardCharsets.UTF_8).length < 2048; i++) {
            items.append(i == 0 ? "" : ",").append("{\"sku\":\"SKU-").append(1000 + i)
                    .append("\",\"qty\":").append(i % 7).append(",\"note\":\"matched by zip and age band\"}");
            body = "{\"result\":{\"status\":\"accepted\",\"lead_id\":\"L-4242\",\"price\":12.50,\"errors\":[],"
                    + "\"buyer\":{\"name\":\"Acme Insurance\",\"tier\":\"gold\"}},\"items\":[" + items + "]}";
        }
        return body;
    }

    private static String xmlBody() {
        StringBuilder items = new StringBuilder();
        String body = "";
        for (int i = 0; body.getBytes(StandardCharsets.UTF_8).length < 2048; i++) {
            items.append("<l:item sku=\"SKU-").append(1000 + i).append("\" qty=\"").append(i % 7)
                    .append("\">matched by zip and age band</l:item>");
            body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><l:response xmlns:l=\"urn:example:leads\">"
                    + "<l:status>accepted</l:status><l:leadId>L-4242</l:leadId><l:price>12.50</l:price><l:errors/>"
                    + "<l:buyer tier=\"gold\"><l:name>Acme Insurance</l:name></l:buyer><l:items>" + items
                    + "</l:items></l:response>";
        }
        return body;
    }

    private static VerdictClause clause(Condition when) {
        return VerdictClause.newBuilder().setWhen(when).setOutcome(Verdict.ACCEPTED).build();
    }

    private static EventType eventType(VerdictRule rule, Extraction extraction) {
        return EventType.newBuilder().setId("bench").setCurrency("USD")
                .setRequest(AdvertiserRequest.newBuilder().setUrl("http://127.0.0.1:1/").build())
                .setRule(rule).setExtraction(extraction).build();
    }

    private static AdvertiserResponse answer(String contentType, String body) {
        return AdvertiserResponse.newBuilder().setSubmissionId("s-1").setEventTypeId("bench").setPartnerId("p")
                .setAttempt(1).setFinalAttempt(true).setRequestId("r-1").setFailureClass(FailureClass.NONE)
                .setHttpStatus(200).setContentType(contentType)
                .setBody(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8))).setLatencyMillis(1)
                .setRespondedAt(Instant.EPOCH).build();
    }
}
