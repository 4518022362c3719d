package io.datapost.ingest.web;

import static io.datapost.ingest.support.ConfigFixtures.DEMO_KEY;
import static io.datapost.ingest.support.ConfigFixtures.DEMO_PARTNER;
import static io.datapost.ingest.support.ConfigFixtures.INSURANCE_QUOTE;
import static io.datapost.ingest.support.ConfigFixtures.THROTTLED_KEY;
import static io.datapost.ingest.support.ConfigFixtures.THROTTLED_PARTNER;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.datapost.ingest.support.PartnerClient;
import io.datapost.ingest.support.PartnerClient.Answer;

/** The per-partner token bucket, on the running app: throttled-partner may post 2 at once, then one per 5 s. */
class RateLimitHttpTest extends RunningIngestApi {

    private static final String COMPLETE = "{\"email\":\"ana.silva@example.org\",\"phone\":\"5550102233\","
            + "\"first_name\":\"Ana\",\"last_name\":\"Silva\",\"zip\":\"30301\"}";

    @Test
    void partnerOverItsRateGets429WithRetryAfterAndItsLeadIsNotWritten() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        String throttled = PartnerClient.basic(THROTTLED_PARTNER, THROTTLED_KEY);

        // When it posts three leads at once
        Answer first = partner.post(INSURANCE_QUOTE).authorization(throttled).body("application/json", COMPLETE).send();
        Answer second = partner.post(INSURANCE_QUOTE).authorization(throttled).body("application/json", COMPLETE).send();
        Answer third = partner.post(INSURANCE_QUOTE).authorization(throttled).body("application/json", COMPLETE).send();

        // Then the burst passes and the third is refused until a token is back (one per 5 s)
        assertThat(first.status()).isEqualTo(202);
        assertThat(second.status()).isEqualTo(202);
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.contentType()).startsWith("application/problem+json");
        assertThat(Integer.parseInt(third.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 5);
        assertThat(third.body()).doesNotContain("example.org");
        assertThat(leads.since(mark)).extracting(ConsumerRecord::key)
                .containsExactlyInAnyOrder(first.json().path("submissionId").asString(),
                        second.json().path("submissionId").asString());

        // and a wrong key for the throttled partner is still 401, not 429: credentials are checked first
        assertThat(partner.post(INSURANCE_QUOTE).authorization(PartnerClient.basic(THROTTLED_PARTNER, "wrong-key"))
                .body("application/json", COMPLETE).send().status()).isEqualTo(401);

        // and another partner is not slowed down by it
        assertThat(partner.post(INSURANCE_QUOTE).authorization(PartnerClient.basic(DEMO_PARTNER, DEMO_KEY))
                .body("application/json", COMPLETE).send().status()).isEqualTo(202);
    }
}
