package io.datapost.ingest.web;

import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
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
        properties = {"spring.config.name=ingest-api", "datapost.ingest.status-base-url=" + RunningIngestApi.STATUS_BASE + "/",
                // throttled-partner: 2 posts at once, then one every 5 seconds
                "datapost.ingest.rate-limits.throttled-partner.per-second=0.2",
                "datapost.ingest.rate-limits.throttled-partner.burst=2",
                // few request threads and a small waiting room, so the synchronous tests can fill both
                "server.tomcat.threads.max=" + RunningIngestApi.REQUEST_THREADS, "server.tomcat.threads.min-spare=1",
                "datapost.ingest.max-waiting=" + RunningIngestApi.MAX_WAITING, "datapost.ingest.max-wait=" + RunningIngestApi.MAX_WAIT})
abstract class RunningIngestApi {

    static final String STATUS_BASE = "http://status.datapost.test:8083";
    static final int REQUEST_THREADS = 4;
    static final int MAX_WAITING = 6;
    static final String MAX_WAIT = "PT5S";

    @DynamicPropertySource
    static void kafka(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", SharedBroker::bootstrapServers);
    }

    static LeadsOnTopic leads;

    @LocalServerPort
    int port;
    @Autowired
    LoggingSystem loggingSystem;
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
        // the log hygiene tests read our DEBUG lines too; set here because another test context starting up
        // (BrokerUnavailableTest) resets the levels of this cached one
        loggingSystem.setLogLevel("io.datapost.ingest", LogLevel.DEBUG);
        partner = new PartnerClient(port);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                ConfigFixtures.partners().stream().allMatch(p -> partnersTable.get(p.getId()).isPresent())
                        && ConfigFixtures.eventTypes().stream().allMatch(t -> eventTypesTable.get(t.getId()).isPresent()));
    }
}
