package io.datapost.ingest.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.datapost.ingest.IngestApiApplication;
import io.datapost.ingest.support.ConfigFixtures;
import io.datapost.ingest.support.LeadsOnTopic;
import io.datapost.ingest.support.PartnerClient;
import io.datapost.ingest.support.PartnerClient.Answer;
import io.datapost.ingest.support.SharedBroker;
import io.datapost.ingest.support.SwitchableProxy;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Partner;
import io.datapost.schemas.config.LiveTable;

/**
 * A second app whose lead producer bootstraps through a port that hangs up on it (the leads cluster is
 * down), while its config tables read the real broker. A post must get 503 with Retry-After within the
 * deadline, and the refused lead must never appear, not even once the broker is reachable again.
 */
@SpringBootTest(classes = IngestApiApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.config.name=ingest-api", "datapost.ingest.kafka-deadline=2s"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class BrokerUnavailableTest {

    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static final Duration MARGIN = Duration.ofMillis(1500);
    private static final String COMPLETE = "{\"email\":\"ana.silva@example.org\",\"phone\":\"5550102233\","
            + "\"first_name\":\"Ana\",\"last_name\":\"Silva\",\"zip\":\"30301\"}";

    private static SwitchableProxy leadsCluster;
    private static LeadsOnTopic leads;

    @DynamicPropertySource
    static void kafka(DynamicPropertyRegistry registry) throws IOException {
        leadsCluster = new SwitchableProxy(SharedBroker.bootstrapServers());
        registry.add("spring.kafka.bootstrap-servers", SharedBroker::bootstrapServers);
        registry.add("spring.kafka.producer.bootstrap-servers", leadsCluster::address);
    }

    @LocalServerPort
    int port;
    @Autowired
    LiveTable<Partner> partnersTable;

    @BeforeAll
    static void followLeads() {
        leads = new LeadsOnTopic(SharedBroker.bootstrapServers());
    }

    @AfterAll
    static void stop() throws IOException {
        leads.close();
        leadsCluster.close();
    }

    @BeforeEach
    void configIsLoaded() {
        await().atMost(Duration.ofSeconds(30)).until(() -> partnersTable.get(ConfigFixtures.DEMO_PARTNER).isPresent());
    }

    @Test
    void unreachableBrokerGets503WithinTheDeadlineAndTheLeadIsNeverWritten(CapturedOutput output) {
        // Given
        PartnerClient partner = new PartnerClient(port);
        String authorization = PartnerClient.basic(ConfigFixtures.DEMO_PARTNER, ConfigFixtures.DEMO_KEY);
        Map<TopicPartition, Long> mark = leads.mark();
        leadsCluster.forward(false);

        // When
        Answer refused = partner.post(ConfigFixtures.INSURANCE_QUOTE).authorization(authorization)
                .header("Idempotency-Key", "during-outage").body("application/json", COMPLETE).send();

        // Then
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.took()).isLessThan(DEADLINE.plus(MARGIN));

        // And when the broker is reachable again, a new post is accepted and the refused one never shows up
        leadsCluster.forward(true);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                partner.post(ConfigFixtures.INSURANCE_QUOTE).authorization(authorization)
                        .header("Idempotency-Key", "after-outage").body("application/json", COMPLETE).send().status())
                .isEqualTo(202));
        List<ConsumerRecord<String, LeadSubmitted>> written = leads.since(mark);
        assertThat(written).extracting(ConsumerRecord::key).contains(id("after-outage")).doesNotContain(id("during-outage"));
        // a failed send is logged by submission id, never with the record
        assertThat(output.getAll()).contains(id("during-outage")).doesNotContain("ana.silva@example.org", "5550102233");
    }

    private static String id(String idempotencyKey) {
        return UUID.nameUUIDFromBytes((ConfigFixtures.DEMO_PARTNER + "\n" + idempotencyKey)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }
}
