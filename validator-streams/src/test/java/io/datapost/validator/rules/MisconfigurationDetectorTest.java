package io.datapost.validator.rules;

import static io.datapost.validator.rules.RuleFixtures.clause;
import static io.datapost.validator.rules.RuleFixtures.eventType;
import static io.datapost.validator.rules.RuleFixtures.extraction;
import static io.datapost.validator.rules.RuleFixtures.rule;
import static io.datapost.validator.rules.RuleFixtures.when;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.datapost.schemas.EventType;
import io.datapost.schemas.Verdict;

class MisconfigurationDetectorTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MisconfigurationDetector detector = new MisconfigurationDetector(registry, 3);
    private final EventType type = eventType(rule(clause(when().setContains("x").build(), Verdict.ACCEPTED)).build(),
            extraction(null, null, null));
    private final Classification unparsed = Classification.error("Response body is not valid JSON",
            Classification.Cause.UNREADABLE_BODY);
    private final Classification serverError = Classification.error("HTTP 503", Classification.Cause.SERVER_ERROR);

    @Test
    void flagsAnEventTypeWhoseLastNAnswersAllFailedToMatchOrParse() {
        detector.record(type, unparsed);
        detector.record(type, unparsed);
        assertThat(gauge()).isZero();

        detector.record(type, unparsed);

        assertThat(detector.flagged(type.getId())).isTrue();
        assertThat(gauge()).isEqualTo(1.0);
        assertThat(registry.get(MisconfigurationDetector.DETECTIONS).counter().count()).isEqualTo(1.0);
    }

    @Test
    void advertiserOutagesAndGoodAnswersDoNotCountAndClearTheFlag() {
        detector.record(type, unparsed);
        detector.record(type, unparsed);
        detector.record(type, serverError); // the advertiser was down: says nothing about the rule
        detector.record(type, unparsed);
        assertThat(detector.flagged(type.getId())).isFalse();

        detector.record(type, unparsed);
        detector.record(type, unparsed);
        assertThat(detector.flagged(type.getId())).isTrue();
        detector.record(type, Classification.rejected("Duplicate", null, null));

        assertThat(detector.flagged(type.getId())).isFalse();
        assertThat(gauge()).isZero();
    }

    @Test
    void eventTypeWindowOverridesTheDefault() {
        EventType patient = eventType(rule(clause(when().setContains("x").build(), Verdict.ACCEPTED))
                .setMisconfigurationWindow(5).build(), extraction(null, null, null));

        for (int i = 0; i < 4; i++) {
            detector.record(patient, unparsed);
        }
        assertThat(detector.flagged(patient.getId())).isFalse();
        detector.record(patient, unparsed);
        assertThat(detector.flagged(patient.getId())).isTrue();
    }

    private double gauge() {
        return registry.get(MisconfigurationDetector.GAUGE).tag("event.type", type.getId()).gauge().value();
    }
}
