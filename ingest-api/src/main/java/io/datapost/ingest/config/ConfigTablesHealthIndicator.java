package io.datapost.ingest.config;

import java.time.Duration;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;

import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.config.LiveTable;

/**
 * OUT_OF_SERVICE until the partners and event types tables have read their topics: before that every post gets
 * 503 ("configuration is still loading"), so a load balancer must not send partners here yet. Part of the
 * readiness group ({@code /actuator/health/readiness}) and of the overall health.
 */
@Component("configTables")
public class ConfigTablesHealthIndicator implements HealthIndicator {

    /** Whether a table has read everything that was on its topic when it started. */
    @FunctionalInterface
    interface CaughtUp {
        boolean now() throws InterruptedException;
    }

    private final CaughtUp partners;
    private final CaughtUp eventTypes;

    @Autowired
    public ConfigTablesHealthIndicator(LiveTable<Partner> partnersTable, LiveTable<EventType> eventTypesTable) {
        this(() -> partnersTable.awaitCaughtUp(Duration.ZERO), () -> eventTypesTable.awaitCaughtUp(Duration.ZERO));
    }

    ConfigTablesHealthIndicator(CaughtUp partners, CaughtUp eventTypes) {
        this.partners = partners;
        this.eventTypes = eventTypes;
    }

    @Override
    public Health health() {
        try {
            boolean partnersLoaded = partners.now();
            boolean eventTypesLoaded = eventTypes.now();
            Health.Builder health = partnersLoaded && eventTypesLoaded ? Health.up()
                    : Health.status(Status.OUT_OF_SERVICE);
            return health.withDetail("partners", partnersLoaded ? "loaded" : "loading")
                    .withDetail("eventTypes", eventTypesLoaded ? "loaded" : "loading").build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.status(Status.OUT_OF_SERVICE).build();
        }
    }
}
