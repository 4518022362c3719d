package io.datapost.ingest.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

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
}
