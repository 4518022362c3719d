package io.datapost.sink.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OperatorTokenTest {

    private static final String TOKEN = "s3cret-operator-token-0123456789";

    @Test
    void matchesOnlyTheConfiguredBearerToken() {
        // Given
        OperatorToken operator = new OperatorToken(TOKEN);

        // Then
        assertThat(operator.enabled()).isTrue();
        assertThat(operator.matches("Bearer " + TOKEN)).isTrue();
        assertThat(operator.matches("bearer  " + TOKEN + " ")).isTrue();
        assertThat(operator.matches("Bearer " + TOKEN.substring(1))).isFalse();
        assertThat(operator.matches("Bearer " + TOKEN + "x")).isFalse();
        assertThat(operator.matches("Basic " + TOKEN)).isFalse();
        assertThat(operator.matches(TOKEN)).isFalse();
        assertThat(operator.matches(null)).isFalse();
    }

    @Test
    void withoutAConfiguredTokenNothingMatches() {
        // Given
        OperatorToken unset = new OperatorToken(null);
        OperatorToken empty = new OperatorToken("");

        // Then
        assertThat(unset.enabled()).isFalse();
        assertThat(empty.enabled()).isFalse();
        assertThat(unset.matches("Bearer ")).isFalse();
        assertThat(empty.matches("Bearer ")).isFalse();
        assertThat(empty.matches("Bearer " + TOKEN)).isFalse();
    }
}
