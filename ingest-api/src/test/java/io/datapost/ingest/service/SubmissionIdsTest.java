package io.datapost.ingest.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

class SubmissionIdsTest {

    @Test
    void idempotencyKeyGivesTheNameBasedUuidOfPartnerAndKey() {
        String expected = UUID.nameUUIDFromBytes("demo-partner\nlead-1".getBytes(StandardCharsets.UTF_8)).toString();

        assertThat(SubmissionIds.of("demo-partner", "lead-1")).isEqualTo(expected)
                .isEqualTo(SubmissionIds.of("demo-partner", "lead-1"));
    }

    @Test
    void sameKeyFromAnotherPartnerIsAnotherSubmission() {
        assertThat(SubmissionIds.of("demo-partner", "lead-1")).isNotEqualTo(SubmissionIds.of("other-partner", "lead-1"));
        // unambiguous: a key never contains a newline (LeadRules refuses control characters before an id is made)
        assertThat(SubmissionIds.of("demo-partner", "lead-1")).isNotEqualTo(SubmissionIds.of("demo-partner", "lead-2"));
    }

    @Test
    void withoutKeyEveryPostIsANewSubmission() {
        assertThat(SubmissionIds.of("demo-partner", null)).isNotEqualTo(SubmissionIds.of("demo-partner", null));
    }

    @Test
    void randomIdsAreVersion4UuidsUniqueAcrossThreads() throws Exception {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        ids.add(SubmissionIds.of("demo-partner", null));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdown();
        }
        assertThat(ids).hasSize(160_000).allSatisfy(id -> {
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(uuid.toString()).isEqualTo(id);
        });
    }
}
