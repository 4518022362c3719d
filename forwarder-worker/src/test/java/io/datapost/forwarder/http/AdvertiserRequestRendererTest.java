package io.datapost.forwarder.http;

import static io.datapost.forwarder.Fixtures.lead;
import static io.datapost.forwarder.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.LeadSubmitted;

class AdvertiserRequestRendererTest {

    private static final String URL = "https://advertiser.example/v1/leads";
    private static final String HEBREW_EMOJI = "שלום 😀";

    private final AdvertiserRequestRenderer renderer = new AdvertiserRequestRenderer();

    @Test
    void getPutsPercentEncodedUtf8FieldsInTheQueryString() {
        // Given a GET event type whose URL already has a query parameter
        AdvertiserRequest config = request(URL + "?campaign=42").setMethod("GET").build();
        LeadSubmitted lead = lead("sub-1", "et", fields("first_name", HEBREW_EMOJI, "note", "a&b=c+d e%"));

        // When
        RenderedRequest rendered = renderer.render(lead, config, "req-1");

        // Then the fields are appended, sorted, and encoded so that nothing can break the query string
        assertThat(rendered.method()).isEqualTo("GET");
        assertThat(rendered.body()).isNull();
        assertThat(rendered.contentType()).isNull();
        assertThat(rendered.url().encodedQuery()).isEqualTo("campaign=42"
                + "&first_name=%D7%A9%D7%9C%D7%95%D7%9D%20%F0%9F%98%80"
                + "&note=a%26b%3Dc%2Bd%20e%25");
        assertThat(rendered.url().queryParameter("first_name")).isEqualTo(HEBREW_EMOJI);
        assertThat(rendered.url().queryParameter("note")).isEqualTo("a&b=c+d e%");
    }

    @Test
    void postJsonSendsTheFieldsAsUtf8JsonObject() {
        // Given
        AdvertiserRequest config = request(URL).setBodyFormat("JSON").build();
        LeadSubmitted lead = lead("sub-1", "et", fields("first_name", HEBREW_EMOJI, "email", "a@example.com"));

        // When
        RenderedRequest rendered = renderer.render(lead, config, "req-1");

        // Then the body is exactly this JSON, in UTF-8 (the emoji as 4 bytes, not escaped)
        assertThat(rendered.method()).isEqualTo("POST");
        assertThat(rendered.contentType()).isEqualTo("application/json; charset=UTF-8");
        assertThat(rendered.body()).isEqualTo(
                ("{\"email\":\"a@example.com\",\"first_name\":\"" + HEBREW_EMOJI + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(rendered.url().toString()).isEqualTo(URL);
    }

    @Test
    void putFormSendsUtf8PercentEncodedFormBody() {
        // Given
        AdvertiserRequest config = request(URL).setMethod("put").setBodyFormat("form").build();
        LeadSubmitted lead = lead("sub-1", "et", fields("first_name", HEBREW_EMOJI, "note", "a&b=c+d"));

        // When
        RenderedRequest rendered = renderer.render(lead, config, "req-1");

        // Then
        assertThat(rendered.method()).isEqualTo("PUT");
        assertThat(rendered.contentType()).isEqualTo("application/x-www-form-urlencoded");
        assertThat(new String(rendered.body(), StandardCharsets.US_ASCII)).isEqualTo(
                "first_name=%D7%A9%D7%9C%D7%95%D7%9D+%F0%9F%98%80&note=a%26b%3Dc%2Bd");
    }

    @Test
    void postWithBodyFormatNoneSendsTheFieldsInTheQueryAndAnEmptyBody() {
        AdvertiserRequest config = request(URL).setBodyFormat("NONE").build();

        RenderedRequest rendered = renderer.render(lead("sub-1", "et", fields("zip", "10001")), config, "req-1");

        assertThat(rendered.url().queryParameter("zip")).isEqualTo("10001");
        assertThat(rendered.body()).isEmpty();
        assertThat(rendered.contentType()).isNull();
    }

    @Test
    void fieldMappingRenamesLeadFieldsToTheAdvertisersNamesAndDropsUnmappedOnes() {
        // Given a mapping advertiser name -> lead field, one of which the lead lacks
        AdvertiserRequest config = request(URL).setBodyFormat("FORM")
                .setFieldMapping(Map.of("FirstName", "first_name", "Zip", "zip", "Phone", "phone")).build();
        LeadSubmitted lead = lead("sub-1", "et", fields("first_name", "Ann", "zip", "10001", "secret", "x"));

        // When
        RenderedRequest rendered = renderer.render(lead, config, "req-1");

        // Then only mapped fields the lead has are sent, under the advertiser's names
        assertThat(new String(rendered.body(), StandardCharsets.US_ASCII)).isEqualTo("FirstName=Ann&Zip=10001");
    }

    @Test
    void emptyFieldMappingSendsTheLeadFieldsAsTheyAre() {
        Map<String, String> mapped = AdvertiserRequestRenderer.mapFields(fields("b", "2", "a", "1"), Map.of());

        assertThat(mapped).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
    }

    @Test
    void idempotencyKeyIsStableAcrossAttemptsWhileRequestIdIsPerAttempt() {
        // Given the same lead rendered for two attempts
        AdvertiserRequest config = request(URL).setIdempotencyHeader("X-Idem")
                .setHeaders(Map.of("X-Api-Key", "k-123")).build();
        LeadSubmitted lead = lead("sub-42", "et", fields("zip", "10001"));

        // When
        RenderedRequest first = renderer.render(lead, config, "req-1");
        RenderedRequest second = renderer.render(lead, config, "req-2");

        // Then
        assertThat(first.headers()).containsEntry("X-Idem", "dp-sub-42").containsEntry("X-Request-Id", "req-1")
                .containsEntry("X-Api-Key", "k-123");
        assertThat(second.headers()).containsEntry("X-Idem", "dp-sub-42").containsEntry("X-Request-Id", "req-2");
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(AdvertiserRequestRenderer.idempotencyKey("sub-42")).isEqualTo("dp-sub-42");
    }

    @Test
    void configuredHeaderCannotReplaceTheRequestIdOrIdempotencyKey() {
        AdvertiserRequest config = request(URL)
                .setHeaders(Map.of("x-request-id", "fixed", "IDEMPOTENCY-KEY", "fixed")).build();

        RenderedRequest rendered = renderer.render(lead("sub-1", "et", fields()), config, "req-1");

        assertThat(rendered.headers()).containsEntry("X-Request-Id", "req-1")
                .containsEntry("Idempotency-Key", "dp-sub-1")
                .doesNotContainKeys("x-request-id", "IDEMPOTENCY-KEY");
    }

    @Test
    void headerValueWithCrLfIsRejectedInsteadOfSent() {
        AdvertiserRequest config = request(URL)
                .setHeaders(Map.of("X-Api-Key", "k-123\r\nX-Injected: yes")).build();

        assertThatThrownBy(() -> renderer.render(lead("sub-1", "et", fields()), config, "req-1"))
                .isInstanceOf(RequestRenderException.class)
                .hasMessageContaining("X-Api-Key")
                .hasMessageNotContaining("k-123");
    }

    @Test
    void submissionIdWithLineFeedIsRejectedBecauseItWouldReachTheIdempotencyHeader() {
        AdvertiserRequest config = request(URL).build();

        assertThatThrownBy(() -> renderer.render(lead("sub-1\nX-Injected: yes", "et", fields()), config, "req-1"))
                .isInstanceOf(RequestRenderException.class)
                .hasMessageContaining("Idempotency-Key");
    }

    @Test
    void invalidHeaderNameIsRejected() {
        AdvertiserRequest config = request(URL).setHeaders(Map.of("X-Bad\r\nName", "v")).build();

        assertThatThrownBy(() -> renderer.render(lead("sub-1", "et", fields()), config, "req-1"))
                .isInstanceOf(RequestRenderException.class)
                .hasMessageContaining("Invalid header name");
    }

    @Test
    void unsupportedMethodAndBadUrlAreRejected() {
        LeadSubmitted lead = lead("sub-1", "et", fields());

        assertThatThrownBy(() -> renderer.render(lead, request(URL).setMethod("DELETE").build(), "r"))
                .isInstanceOf(RequestRenderException.class).hasMessageContaining("DELETE");
        assertThatThrownBy(() -> renderer.render(lead, request("ftp://x/y").build(), "r"))
                .isInstanceOf(RequestRenderException.class).hasMessageContaining("URL");
        assertThatThrownBy(() -> renderer.render(lead, request(URL).setBodyFormat("YAML").build(), "r"))
                .isInstanceOf(RequestRenderException.class).hasMessageContaining("YAML");
    }

    private static Map<String, String> fields(String... keyValues) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            fields.put(keyValues[i], keyValues[i + 1]);
        }
        return fields;
    }
}
