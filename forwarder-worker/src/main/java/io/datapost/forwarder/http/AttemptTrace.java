package io.datapost.forwarder.http;

import okhttp3.Call;
import okhttp3.EventListener;

/**
 * Remembers whether a call got as far as sending its request. A failure before that point means the
 * advertiser cannot have seen the lead, so the attempt is a CONNECT failure and always safe to repeat.
 * Travels with the request as a tag; {@link #LISTENER_FACTORY} updates it.
 */
final class AttemptTrace {

    static final EventListener.Factory LISTENER_FACTORY = call -> {
        AttemptTrace trace = call.request().tag(AttemptTrace.class);
        return trace == null ? EventListener.NONE : trace.listener;
    };

    private volatile boolean requestStarted;

    private final EventListener listener = new EventListener() {
        @Override
        public void requestHeadersStart(Call call) {
            requestStarted = true;
        }
    };

    boolean requestStarted() {
        return requestStarted;
    }
}
