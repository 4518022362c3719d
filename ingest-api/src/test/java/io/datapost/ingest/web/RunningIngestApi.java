package io.datapost.ingest.web;

import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.datapost.ingest.IngestApiApplication;
import io.datapost.ingest.support.ConfigFixtures;
import io.datapost.ingest.support.LeadsOnTopic;
import io.datapost.ingest.support.PartnerClient;
import io.datapost.ingest.support.SharedBroker;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.config.LiveTable;

/**
 * The one ingest-api context the HTTP tests share (same annotations, so Spring caches it), on the shared
 * broker whose config topics already hold the fixtures.
 */
@SpringBootTest(classes = IngestApiApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.config.name=ingest-api", "datapost.ingest.status-base-url=" + RunningIngestApi.STATUS_BASE + "/"})
abstract class RunningIngestApi {

    static final String STATUS_BASE = "http://status.datapost.test:8083";

    @DynamicPropertySource
    static void kafka(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", SharedBroker::bootstrapServers);
    }

    static LeadsOnTopic leads;

    @LocalServerPort
    int port;
    @Autowired
    LiveTable<Partner> partnersTable;
    @Autowired
    LiveTable<EventType> eventTypesTable;

    PartnerClient partner;

    @BeforeAll
    static void followLeads() {
        leads = new LeadsOnTopic(SharedBroker.bootstrapServers());
    }

    @AfterAll
    static void stopFollowingLeads() {
        leads.close();
    }

    @BeforeEach
    void configIsLoaded() {
        partner = new PartnerClient(port);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                ConfigFixtures.partners().stream().allMatch(p -> partnersTable.get(p.getId()).isPresent())
                        && ConfigFixtures.eventTypes().stream().allMatch(t -> eventTypesTable.get(t.getId()).isPresent()));
    }
}
