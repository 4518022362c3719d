package io.datapost.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.datapost.cli.config.ConfigLoader;
import io.datapost.cli.config.ConfigSet;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.Partner;
import io.datapost.schemas.Verdict;
import io.datapost.validator.rules.VerdictClassifier;

class ReclassifierTest {

    final ConfigSet config = new ConfigLoader(null).load(Path.of("..", "config"));
    final EventType sample = config.eventTypes().get(0);
    final Partner demo = config.partners().stream().filter(p -> p.getId().equals(StoredAnswers.PARTNER))
            .findFirst().orElseThrow();
    final VerdictClassifier classifier = new VerdictClassifier();

    Reclassifier with(EventType eventType, String eventTypeFilter, String partnerFilter) {
        return new Reclassifier(Map.of(eventType.getId(), eventType)::get, Map.of(demo.getId(), demo)::get,
                eventTypeFilter, partnerFilter);
    }

    EventType acceptingPending() {
        EventType changed = EventType.newBuilder(sample).build();
        changed.getRule().setEquals("pending");
        return changed;
    }

    @Test
    void anAnswerDecidedUnderTheSameRuleIsUnchanged() {
        // Given an accepted answer and the outcome the validator gave it under the sample rule
        AdvertiserResponse answer = StoredAnswers.answer("s1", true, Instant.now());
        LeadOutcome outcome = StoredAnswers.outcome(answer, sample, demo, classifier);

        // When it is reclassified with the same rule
        Reclassifier.Result result = with(sample, null, null).reclassify(answer, outcome);

        // Then nothing would change
        assertThat(result.kind()).isEqualTo(Reclassifier.Kind.UNCHANGED);
        assertThat(result.payoutDelta()).isZero();
    }

    @Test
    void aRuleChangeTurnsAnAcceptedAnswerIntoARejectionThatTakesBackThePayout() {
        // Given an accepted, paid answer
        AdvertiserResponse answer = StoredAnswers.answer("s1", true, Instant.now());
        LeadOutcome outcome = StoredAnswers.outcome(answer, sample, demo, classifier);
        assertThat(outcome.getPayout()).isEqualByComparingTo("4.00");

        // When the rule now wants "pending"
        Reclassifier.Result result = with(acceptingPending(), null, null).reclassify(answer, outcome);

        // Then it changes ACCEPTED -> REJECTED and the partner loses the 4.00 USD
        assertThat(result.kind()).isEqualTo(Reclassifier.Kind.CHANGED);
        assertThat(result.before()).isEqualTo(Verdict.ACCEPTED);
        assertThat(result.after()).isEqualTo(Verdict.REJECTED);
        assertThat(result.payoutDelta()).isEqualByComparingTo("-4.00");
        assertThat(result.payoutCurrency()).isEqualTo("USD");
        assertThat(result.partnerId()).isEqualTo(StoredAnswers.PARTNER);
    }

    @Test
    void aRuleChangeThatAcceptsAPendingAnswerPaysTheFixedTerm() {
        AdvertiserResponse answer = StoredAnswers.answer("s2", false, Instant.now());
        LeadOutcome outcome = StoredAnswers.outcome(answer, sample, demo, classifier);
        assertThat(outcome.getVerdict()).isEqualTo(Verdict.REJECTED);

        Reclassifier.Result result = with(acceptingPending(), null, null).reclassify(answer, outcome);

        assertThat(result.kind()).isEqualTo(Reclassifier.Kind.CHANGED);
        assertThat(result.after()).isEqualTo(Verdict.ACCEPTED);
        assertThat(result.payoutDelta()).isEqualByComparingTo("4.00");
    }

    @Test
    void aChangedExtractedValueAloneCountsAsAChange() {
        // Given the same verdict but the order id is now read from another field
        AdvertiserResponse answer = StoredAnswers.answer("s3", true, Instant.now());
        LeadOutcome outcome = StoredAnswers.outcome(answer, sample, demo, classifier);
        EventType otherOrderId = EventType.newBuilder(sample).build();
        otherOrderId.getExtraction().setOrderId("$.status");

        Reclassifier.Result result = with(otherOrderId, null, null).reclassify(answer, outcome);

        // Then it is a change without any money moving
        assertThat(result.kind()).isEqualTo(Reclassifier.Kind.CHANGED);
        assertThat(result.before()).isEqualTo(Verdict.ACCEPTED);
        assertThat(result.after()).isEqualTo(Verdict.ACCEPTED);
        assertThat(result.payoutDelta()).isZero();
    }

    @Test
    void answersOutsideTheFiltersOrNotDecidingTheOutcomeAreNotReclassified() {
        AdvertiserResponse answer = StoredAnswers.answer("s4", true, Instant.now());
        LeadOutcome outcome = StoredAnswers.outcome(answer, sample, demo, classifier);

        assertThat(with(acceptingPending(), "other-type", null).reclassify(answer, outcome).kind())
                .isEqualTo(Reclassifier.Kind.FILTERED);
        assertThat(with(acceptingPending(), null, "other-partner").reclassify(answer, outcome).kind())
                .isEqualTo(Reclassifier.Kind.FILTERED);
        assertThat(with(acceptingPending(), null, null).reclassify(answer, null).kind())
                .isEqualTo(Reclassifier.Kind.UNDECIDED);
        LeadOutcome fromAttempt2 = LeadOutcome.newBuilder(outcome).setAttempts(2).build();
        assertThat(with(acceptingPending(), null, null).reclassify(answer, fromAttempt2).kind())
                .isEqualTo(Reclassifier.Kind.NOT_DECIDING);
    }
}
