package io.datapost.forwarder.service;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.datapost.schemas.FailureClass;

/** Forwarder metrics. Tags are ids from config only (bounded), never lead data. */
public final class ForwarderMetrics {

    public static final String CALLS = "datapost.forwarder.calls";
    public static final String CALL_LATENCY = "datapost.forwarder.call.latency";
    /** Calls in progress per event type (a call holds its slot until its response is acknowledged by Kafka). */
    public static final String IN_FLIGHT = "datapost.forwarder.calls.in.flight";
    /** Calls in progress in this worker, all event types. */
    public static final String WORKER_IN_FLIGHT = "datapost.forwarder.worker.in.flight";
    /** Leads of an event type waiting for a call slot or for its circuit. */
    public static final String WAITING = "datapost.forwarder.leads.waiting";
    /** Leads held in memory by this worker (waiting, in a call, or between attempts). */
    public static final String PENDING = "datapost.forwarder.leads.pending";
    public static final String RETRIES = "datapost.forwarder.retries";
    public static final String CIRCUIT_STATE = "datapost.forwarder.circuit.state";
    public static final String CIRCUIT_TRANSITIONS = "datapost.forwarder.circuit.transitions";
    public static final String SKIPPED = "datapost.forwarder.leads.skipped";
    public static final String DEAD_LETTERS = "datapost.forwarder.dead.letters";
    public static final String SPILLED = "datapost.forwarder.leads.spilled";
    public static final String TAG_EVENT_TYPE = "eventType";
    public static final String TAG_FAILURE_CLASS = "failureClass";
    public static final String TAG_STATE = "state";

    private final MeterRegistry registry;

    public ForwarderMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Registers the gauges of one event type; the suppliers are read on scrape. */
    public void eventTypeGauges(String eventTypeId, Supplier<Number> inFlight, Supplier<Number> waiting,
            Supplier<Number> circuitState) {
        Gauge.builder(IN_FLIGHT, inFlight).description("Advertiser calls in progress")
                .tag(TAG_EVENT_TYPE, eventTypeId).register(registry);
        Gauge.builder(WAITING, waiting).description("Leads waiting for a call slot or for the circuit")
                .tag(TAG_EVENT_TYPE, eventTypeId).register(registry);
        Gauge.builder(CIRCUIT_STATE, circuitState)
                .description("Circuit of the advertiser endpoint: 0 closed, 1 half-open, 2 open")
                .tag(TAG_EVENT_TYPE, eventTypeId).register(registry);
    }

    public void workerGauges(Supplier<Number> inFlight) {
        Gauge.builder(WORKER_IN_FLIGHT, inFlight).description("Advertiser calls in progress, all event types")
                .register(registry);
    }

    public void pendingGauge(Supplier<Number> pending) {
        Gauge.builder(PENDING, pending).description("Leads held in memory, all event types").register(registry);
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

    public void retryScheduled(String eventTypeId, FailureClass failureClass) {
        Counter.builder(RETRIES).description("Attempts scheduled again after a retryable failure")
                .tag(TAG_EVENT_TYPE, eventTypeId).tag(TAG_FAILURE_CLASS, failureClass.name())
                .register(registry).increment();
    }

    public void circuitTransition(String eventTypeId, CircuitBreaker.State state) {
        Counter.builder(CIRCUIT_TRANSITIONS).description("Circuit state changes")
                .tag(TAG_EVENT_TYPE, eventTypeId).tag(TAG_STATE, state.name())
                .register(registry).increment();
    }

    public void skipped() {
        Counter.builder(SKIPPED).description("Leads not called again because their final response already exists")
                .register(registry).increment();
    }

    public void spilled(int count) {
        Counter.builder(SPILLED).description("Waiting leads taken out of memory, to be read again from Kafka")
                .register(registry).increment(count);
    }

    public void deadLettered() {
        Counter.builder(DEAD_LETTERS).description("Leads sent to the dead-letter topic").register(registry)
                .increment();
    }
}
