package io.datapost.forwarder.service;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.datapost.forwarder.config.CircuitSettings;

/**
 * The circuit of one advertiser endpoint. CLOSED: calls go out, and the outcome of the last {@code window} calls is
 * kept; once at least {@code minimumCalls} are in and {@code failureRatePercent} of them failed, it OPENs. OPEN: no
 * call for {@code openDuration}. Then HALF_OPEN: {@code halfOpenCalls} trial calls; one failure opens it again, all
 * succeeding close it. Leads that may not go out simply wait: a refusal is not an attempt.
 *
 * <p>Not thread-safe: the forwarder calls it under its own lock. Time comes from the given nano clock.
 */
public final class CircuitBreaker {

    public enum State {
        CLOSED(0), HALF_OPEN(1), OPEN(2);

        /** Gauge value: 0 closed, 1 half-open, 2 open. */
        public final int gaugeValue;

        State(int gaugeValue) {
            this.gaugeValue = gaugeValue;
        }
    }

    private final CircuitSettings settings;
    private final LongSupplier nanoClock;
    private final Consumer<State> onTransition;
    private final boolean[] failures;
    private int recorded;
    private int next;
    private int failed;
    private State state = State.CLOSED;
    private long openUntilNanos;
    private int trialsStarted;
    private int trialsSucceeded;

    /**
     * @param onTransition told the new state on every change (under the caller's lock: keep it short)
     */
    public CircuitBreaker(CircuitSettings settings, LongSupplier nanoClock, Consumer<State> onTransition) {
        this.settings = settings;
        this.nanoClock = nanoClock;
        this.onTransition = onTransition;
        this.failures = new boolean[settings.window()];
    }

    /**
     * May a call go out now? In HALF_OPEN this takes one of the trial permits; give it back with
     * {@link #release()} when the call is then not made.
     */
    public boolean tryAcquire() {
        if (state == State.OPEN) {
            if (nanoClock.getAsLong() - openUntilNanos < 0) {
                return false;
            }
            state = State.HALF_OPEN;
            trialsStarted = 0;
            trialsSucceeded = 0;
            onTransition.accept(state);
        }
        if (state == State.HALF_OPEN) {
            if (trialsStarted >= settings.halfOpenCalls()) {
                return false;
            }
            trialsStarted++;
        }
        return true;
    }

    /** A permit from {@link #tryAcquire()} was not used. */
    public void release() {
        if (state == State.HALF_OPEN && trialsStarted > 0) {
            trialsStarted--;
        }
    }

    /** Records a finished call; returns the state after it. */
    public State record(boolean success) {
        switch (state) {
            case CLOSED -> {
                if (recorded == failures.length) {
                    failed -= failures[next] ? 1 : 0;
                } else {
                    recorded++;
                }
                failures[next] = !success;
                failed += success ? 0 : 1;
                next = (next + 1) % failures.length;
                if (recorded >= settings.minimumCalls() && failed * 100 >= settings.failureRatePercent() * recorded) {
                    open();
                }
            }
            case HALF_OPEN -> {
                if (!success) {
                    open();
                } else if (++trialsSucceeded >= settings.halfOpenCalls()) {
                    close();
                }
            }
            case OPEN -> {
                // a call started before the circuit opened; its outcome changes nothing
            }
        }
        return state;
    }

    /** The state, with an elapsed cool-down shown as HALF_OPEN. */
    public State state() {
        if (state == State.OPEN && nanoClock.getAsLong() - openUntilNanos >= 0) {
            return State.HALF_OPEN;
        }
        return state;
    }

    /** Nanoseconds until an OPEN circuit lets a trial call through; 0 when it is not open. */
    public long nanosUntilTrial() {
        return state == State.OPEN ? Math.max(0, openUntilNanos - nanoClock.getAsLong()) : 0;
    }

    private void open() {
        state = State.OPEN;
        openUntilNanos = nanoClock.getAsLong() + settings.openDuration().toNanos();
        resetWindow();
        onTransition.accept(state);
    }

    private void close() {
        state = State.CLOSED;
        resetWindow();
        onTransition.accept(state);
    }

    private void resetWindow() {
        recorded = 0;
        next = 0;
        failed = 0;
        Arrays.fill(failures, false);
    }
}
