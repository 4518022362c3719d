package io.datapost.forwarder.service;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.datapost.schemas.FailureClass;

/** Advertiser call metrics. Tags are ids from config only (bounded), never lead data. */
public final class ForwarderMetrics {

    public static final String CALLS = "datapost.forwarder.calls";
    public static final String CALL_LATENCY = "datapost.forwarder.call.latency";
    public static final String IN_FLIGHT = "datapost.forwarder.calls.in.flight";
    public static final String TAG_EVENT_TYPE = "eventType";
    public static final String TAG_FAILURE_CLASS = "failureClass";

    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();

    public ForwarderMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder(IN_FLIGHT, inFlight, AtomicInteger::get)
                .description("Advertiser calls in progress")
                .register(registry);
    }

    public void callStarted() {
        inFlight.incrementAndGet();
    }

    public void callEnded() {
        inFlight.decrementAndGet();
    }

    public void recordCall(String eventTypeId, FailureClass failureClass, long latencyMillis) {
        Counter.builder(CALLS)
                .description("Advertiser call attempts")
                .tag(TAG_EVENT_TYPE, eventTypeId)
                .tag(TAG_FAILURE_CLASS, failureClass.name())
                .register(registry)
                .increment();
        Timer.builder(CALL_LATENCY)
                .description("Advertiser call latency, answer read included")
                .tag(TAG_EVENT_TYPE, eventTypeId)
                .publishPercentileHistogram()
                .register(registry)
                .record(latencyMillis, TimeUnit.MILLISECONDS);
    }
}
