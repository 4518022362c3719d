package io.datapost.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

class LeadPosterTest {

    private MockWebServer ingest;

    @BeforeEach
    void start() throws IOException {
        ingest = new MockWebServer();
        ingest.start();
    }

    @AfterEach
    void stop() {
        ingest.close();
    }

    @Test
    void aRateLimitedPostIsRetriedAfterRetryAfterWithTheSameIdempotencyKey() throws Exception {
        // Given ingest refuses the first try for the partner's rate limit, then accepts
        ingest.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "1")
                .setHeader("Content-Type", "application/problem+json").body("{\"status\":429}").build());
        ingest.enqueue(new MockResponse.Builder().code(202).setHeader("Content-Type", "application/json")
                .body("{\"submissionId\":\"s-1\",\"statusUrl\":\"/v1/leads/s-1\"}").build());

        // When the lead is posted
        Posting posting;
        try (LeadPoster poster = new LeadPoster(URI.create(ingest.url("/v1/leads/x").toString()), "p", "k", 1)) {
            posting = poster.post(1, "key-1", "{\"email\":\"a@example.com\"}");
        }

        // Then it is accepted on the second try, and both tries carried the same key
        assertThat(posting.status()).isEqualTo(202);
        assertThat(posting.submissionId()).isEqualTo("s-1");
        assertThat(posting.tries()).isEqualTo(2);
        RecordedRequest first = ingest.takeRequest();
        RecordedRequest second = ingest.takeRequest();
        assertThat(first.getHeaders().get("Idempotency-Key")).isEqualTo("key-1");
        assertThat(second.getHeaders().get("Idempotency-Key")).isEqualTo("key-1");
    }

    @Test
    void aRefusalForBadInputIsNotRetried() throws Exception {
        ingest.enqueue(new MockResponse.Builder().code(422).body("{}").build());

        Posting posting;
        try (LeadPoster poster = new LeadPoster(URI.create(ingest.url("/v1/leads/x").toString()), "p", "k", 1)) {
            posting = poster.post(1, "key-2", "{}");
        }

        assertThat(posting.status()).isEqualTo(422);
        assertThat(posting.tries()).isEqualTo(1);
        assertThat(ingest.getRequestCount()).isEqualTo(1);
    }

    @Test
    void retryAfterIsReadInSecondsAndCapped() {
        assertThat(LeadPoster.retryAfterMillis("2", 200)).isEqualTo(2_000);
        assertThat(LeadPoster.retryAfterMillis("3600", 200)).isEqualTo(10_000);
        assertThat(LeadPoster.retryAfterMillis(null, 200)).isEqualTo(200);
        assertThat(LeadPoster.retryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT", 300)).isEqualTo(300);
    }
}
