package io.datapost.forwarder.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.datapost.schemas.FailureClass;

class AdvertiserClientTest {

    @ParameterizedTest(name = "HTTP {0} -> {1}")
    @CsvSource({"200, NONE", "201, NONE", "302, NONE", "400, NONE", "404, NONE", "429, HTTP_429", "500, HTTP_5XX",
            "503, HTTP_5XX", "599, HTTP_5XX"})
    void statusClassesLeaveAnswersToTheValidatorExceptServerErrorsAndThrottling(int status, FailureClass expected) {
        assertThat(AdvertiserClient.classify(status)).isEqualTo(expected);
    }

    @Test
    void failuresBeforeTheRequestLeftAreConnectFailures() {
        assertThat(AdvertiserClient.classify(new ConnectException("refused"), false)).isEqualTo(FailureClass.CONNECT);
        assertThat(AdvertiserClient.classify(new UnknownHostException("nowhere"), false))
                .isEqualTo(FailureClass.CONNECT);
        // a connect timeout: the advertiser cannot have seen the lead, so it is safe to repeat
        assertThat(AdvertiserClient.classify(new SocketTimeoutException("Connect timed out"), false))
                .isEqualTo(FailureClass.CONNECT);
    }

    @Test
    void failuresAfterTheRequestLeftAreTimeoutsOrIo() {
        assertThat(AdvertiserClient.classify(new SocketTimeoutException("timeout"), true))
                .isEqualTo(FailureClass.TIMEOUT);
        assertThat(AdvertiserClient.classify(new InterruptedIOException("timeout"), true))
                .isEqualTo(FailureClass.TIMEOUT);
        assertThat(AdvertiserClient.classify(new IOException("unexpected end of stream"), true))
                .isEqualTo(FailureClass.IO);
    }

    @Test
    void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
        Instant now = Instant.parse("2015-10-21T07:27:30Z");
        assertThat(AdvertiserClient.retryAfter("7", now)).isEqualTo(Duration.ofSeconds(7));
        assertThat(AdvertiserClient.retryAfter(" 0 ", now)).isEqualTo(Duration.ZERO);
        assertThat(AdvertiserClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now))
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(AdvertiserClient.retryAfter("Wed, 21 Oct 2015 07:20:00 GMT", now)).as("in the past")
                .isEqualTo(Duration.ZERO);
        assertThat(AdvertiserClient.retryAfter("-1", now)).isNull();
        assertThat(AdvertiserClient.retryAfter("soon", now)).isNull();
        assertThat(AdvertiserClient.retryAfter(null, now)).isNull();
    }
}
