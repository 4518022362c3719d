package io.datapost.validator.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.VerdictRule;
import io.datapost.validator.Fixtures;

/**
 * Every response of the advertisers in {@code cases/advertisers.yaml} whose success rule is a JSONPath
 * comparison, classified through an event type configured as an integrations engineer would. (All eleven,
 * request and answer, go through the real renderer and classifier in the cli module's AdvertiserCasesTest.)
 */
class AdvertiserCasesTest {

    private static final Map<String, EventType> JSON_ADVERTISERS = Map.of(
            "outcome-json", eventType("$.outcome", "success", "$.lead.id", "$.price", "$.reason"),
            "result-payout-json", eventType("$.Result", "Success", "$.LeadId", "$.Payout", "$.Message"),
            "code-in-body-200", eventType("$.code", "2000", "$.id", null, "$.message"),
            "boolean-json", eventType("$.success", "true", "$.lead_id", null, "$.reason"),
            "wrong-content-type", eventType("$.status", "accepted", "$.ref", null, "$.reason"));

    private final VerdictClassifier classifier = new VerdictClassifier();

    @ParameterizedTest(name = "{0} #{1}")
    @MethodSource("jsonCases")
    void classifiesAndExtractsAsTheCaseExpects(String advertiser, int index, Map<String, Object> response,
            Map<String, Object> expect) {
        // Given
        String contentType = (String) response.get("content_type");
        AdvertiserResponse answer = Fixtures.answer("s-" + index, 1, true, (Integer) response.get("status"),
                contentType, null)
                .setBody(Fixtures.bytes((String) response.get("body"), ResponseText.charset(contentType)))
                .build();

        // When
        Classification result = classifier.classify(JSON_ADVERTISERS.get(advertiser), answer);

        // Then
        assertThat(result.verdict()).isEqualTo(Verdict.valueOf((String) expect.get("verdict")));
        if (expect.containsKey("order_id")) {
            assertThat(result.orderId()).isEqualTo(expect.get("order_id"));
        }
        if (expect.containsKey("reason")) {
            assertThat(result.reason()).isEqualTo(expect.get("reason"));
        }
        if ("default".equals(expect.get("amount"))) {
            assertThat(result.amountDefaulted()).isTrue();
            assertThat(result.amount()).isEqualByComparingTo("10.00");
        } else if (expect.containsKey("amount")) {
            assertThat(result.amountDefaulted()).isFalse();
            assertThat(result.amount()).isEqualByComparingTo(new BigDecimal((String) expect.get("amount")));
        }
    }

    @SuppressWarnings("unchecked")
    static Stream<Arguments> jsonCases() throws IOException {
        Map<String, Object> file;
        try (InputStream in = AdvertiserCasesTest.class.getResourceAsStream("/cases/advertisers.yaml")) {
            file = new Yaml().load(in);
        }
        List<Map<String, Object>> advertisers = (List<Map<String, Object>>) file.get("advertisers");
        assertThat(advertisers.stream().map(a -> a.get("id"))).containsAll(JSON_ADVERTISERS.keySet());
        return advertisers.stream()
                .filter(advertiser -> JSON_ADVERTISERS.containsKey(advertiser.get("id")))
                .flatMap(advertiser -> {
                    List<Map<String, Object>> responses = (List<Map<String, Object>>) advertiser.get("responses");
                    return Stream.iterate(0, i -> i < responses.size(), i -> i + 1)
                            .map(i -> Arguments.of(advertiser.get("id"), i, responses.get(i),
                                    responses.get(i).get("expect")));
                });
    }

    private static EventType eventType(String jsonPath, String equals, String orderId, String amount, String reason) {
        return Fixtures.insuranceQuote()
                .setRule(VerdictRule.newBuilder().setJsonPath(jsonPath).setEquals(equals).build())
                .setExtraction(Extraction.newBuilder().setOrderId(orderId).setAmount(amount).setReason(reason).build())
                .build();
    }
}
