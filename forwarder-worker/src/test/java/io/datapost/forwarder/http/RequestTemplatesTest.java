package io.datapost.forwarder.http;

import static io.datapost.forwarder.Fixtures.lead;
import static io.datapost.forwarder.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.datapost.schemas.AdvertiserAuth;
import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AuthScheme;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FieldCheck;
import io.datapost.schemas.FieldCheckKind;
import io.datapost.schemas.FieldMapping;
import io.datapost.schemas.LeadSubmitted;

/** URL and body templates, field mapping with transforms, auth from the environment, field checks. */
class RequestTemplatesTest {

    private static final Map<String, String> ENV = Map.of("ACME_USER", "acme", "ACME_PASS", "s3cr3t:x",
            "ACME_TOKEN", "tok-123", "ACME_KEY", "k&y");

    private final AdvertiserRequestRenderer renderer = new AdvertiserRequestRenderer(ENV::get);

    @Test
    void urlTemplateValuesCannotAddPathSegmentsOrQueryParameters() {
        AdvertiserRequest config = request("https://adv.example/v1/${campaign}/leads?key=${env:ACME_KEY}&c=${campaign}")
                .setMethod("GET").setFields(List.of(field("campaign").setFrom("c").build(),
                        field("zip").build())).build();
        LeadSubmitted lead = lead("s-1", "et", Map.of("c", "a/b?x=1#f", "zip", "1 2"));

        RenderedRequest rendered = renderer.render(lead, config, "r-1");

        assertThat(rendered.url().encodedPath()).isEqualTo("/v1/a%2Fb%3Fx%3D1%23f/leads");
        assertThat(rendered.url().encodedQuery()).isEqualTo("key=k%26y&c=a%2Fb%3Fx%3D1%23f&zip=1%202");
        assertThat(rendered.url().queryParameter("key")).isEqualTo("k&y");
    }

    @Test
    void placeholderInTheHostIsRefused() {
        AdvertiserRequest config = request("https://${host}/v1").setFields(List.of(field("host").build())).build();

        assertThatThrownBy(() -> renderer.render(lead("s-1", "et", Map.of("host", "evil.example")), config, "r"))
                .isInstanceOf(RequestRenderException.class).hasMessageContaining("host");
    }

    @Test
    void fieldMappingRenamesDefaultsConstantsAndTransformsInOrder() {
        AdvertiserRequest config = request("https://adv.example/leads").setFields(List.of(
                field("Email").setFrom("email").setTransforms(List.of("trim", "lower")).build(),
                field("Phone").setFrom("phone").setTransforms(List.of("e164")).build(),
                field("PhoneDigits").setFrom("phone").setTransforms(List.of("digits")).build(),
                field("State").setFrom("state").setTransforms(List.of("upper")).build(),
                field("Dob").setFrom("dob").setTransforms(List.of("date(MM/dd/yyyy -> yyyy-MM-dd)")).build(),
                field("EmailHash").setFrom("email").setTransforms(List.of("trim", "lower", "sha256")).build(),
                field("Source").setConstant("datapost").build(),
                field("Country").setFrom("country").setDefaultValue("US").build(),
                field("Age").setFrom("age").setTransforms(List.of("number")).build(),
                field("contact.zip").setFrom("zip").build())).build();
        LeadSubmitted lead = lead("s-1", "et", Map.of("email", "  Jane@Example.COM ", "phone", "(555) 000-1111",
                "state", "ny", "dob", "07/04/1990", "age", "42", "zip", "10001"));

        RenderedRequest rendered = renderer.render(lead, config, "r-1");

        assertThat(new String(rendered.body(), StandardCharsets.UTF_8)).isEqualTo("{\"Email\":\"jane@example.com\","
                + "\"Phone\":\"+15550001111\",\"PhoneDigits\":\"5550001111\",\"State\":\"NY\",\"Dob\":\"1990-07-04\","
                + "\"EmailHash\":\"8c87b489ce35cf2e2f39f80e282cb2e804932a56a213983eeeb428407d43b52d\","
                + "\"Source\":\"datapost\",\"Country\":\"US\",\"Age\":42,\"contact\":{\"zip\":\"10001\"}}");
    }

    @Test
    void transformFailureNamesTheFieldButNotTheValue() {
        AdvertiserRequest config = request("https://adv.example/leads")
                .setFields(List.of(field("Dob").setFrom("dob").setTransforms(List.of("date(MM/dd/yyyy -> yyyy)")).build()))
                .build();

        assertThatThrownBy(() -> renderer.render(lead("s-1", "et", Map.of("dob", "not-a-date")), config, "r"))
                .isInstanceOf(RequestRenderException.class).hasMessageContaining("Dob")
                .hasMessageNotContaining("not-a-date");
    }

    @Test
    void jsonTemplateWritesValuesAsEscapedJsonStrings() {
        AdvertiserRequest config = request("https://adv.example/leads")
                .setBodyTemplate("{\"lead\":{\"name\":${name},\"ref\":${meta:submissionId},\"missing\":${nope}}}")
                .setFields(List.of(field("name").build(), field("nope").build())).build();
        LeadSubmitted lead = lead("s-1", "et", Map.of("name", "Ann \"A\\\" \n\",\"admin\":true"));

        RenderedRequest rendered = renderer.render(lead, config, "r-1");

        assertThat(new String(rendered.body(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"lead\":{\"name\":\"Ann \\\"A\\\\\\\" \\n\\\",\\\"admin\\\":true\",\"ref\":\"s-1\",\"missing\":null}}");
    }

    @Test
    void xmlTemplateEscapesValues() {
        AdvertiserRequest config = request("https://adv.example/leads").setBodyFormat("XML")
                .setBodyTemplate("<Lead a=\"${name}\"><Name>${name}</Name></Lead>")
                .setFields(List.of(field("name").build())).build();

        RenderedRequest rendered = renderer.render(lead("s-1", "et", Map.of("name", "<b>&\"'")), config, "r");

        assertThat(rendered.contentType()).isEqualTo("application/xml; charset=UTF-8");
        assertThat(new String(rendered.body(), StandardCharsets.UTF_8)).isEqualTo(
                "<Lead a=\"&lt;b&gt;&amp;&quot;&apos;\"><Name>&lt;b&gt;&amp;&quot;&apos;</Name></Lead>");
    }

    @Test
    void soapBodyIsWrappedInAnEnvelopeWithSoapAction() {
        AdvertiserRequest config = request("https://adv.example/Service.asmx").setBodyFormat("SOAP")
                .setSoapAction("http://example.com/leads/InsertLead")
                .setBodyTemplate("<InsertLead xmlns=\"http://example.com/leads\"><Email>${email}</Email></InsertLead>")
                .setFields(List.of(field("email").build())).build();

        RenderedRequest rendered = renderer.render(lead("s-1", "et", Map.of("email", "a&b@x.com")), config, "r");

        assertThat(rendered.contentType()).isEqualTo("text/xml; charset=utf-8");
        assertThat(rendered.headers()).containsEntry("SOAPAction", "\"http://example.com/leads/InsertLead\"");
        assertThat(new String(rendered.body(), StandardCharsets.UTF_8)).isEqualTo(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope "
                        + "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
                        + "<InsertLead xmlns=\"http://example.com/leads\"><Email>a&amp;b@x.com</Email></InsertLead>"
                        + "</soap:Body></soap:Envelope>");
    }

    @Test
    void authSecretsComeFromTheEnvironment() {
        LeadSubmitted lead = lead("s-1", "et", Map.of());
        AdvertiserRequest basic = request("https://adv.example/leads").setAuth(AdvertiserAuth.newBuilder()
                .setScheme(AuthScheme.BASIC).setUsername("${env:ACME_USER}").setPassword("${env:ACME_PASS}").build())
                .build();
        AdvertiserRequest bearer = request("https://adv.example/leads").setAuth(AdvertiserAuth.newBuilder()
                .setScheme(AuthScheme.BEARER).setToken("${env:ACME_TOKEN}").build()).build();
        AdvertiserRequest header = request("https://adv.example/leads").setAuth(AdvertiserAuth.newBuilder()
                .setScheme(AuthScheme.HEADER).setHeader("X-Api-Key").setValue("Key ${env:ACME_TOKEN}").build()).build();

        assertThat(renderer.render(lead, basic, "r").headers()).containsEntry("Authorization",
                "Basic " + Base64.getEncoder().encodeToString("acme:s3cr3t:x".getBytes(StandardCharsets.UTF_8)));
        assertThat(renderer.render(lead, bearer, "r").headers()).containsEntry("Authorization", "Bearer tok-123");
        assertThat(renderer.render(lead, header, "r").headers()).containsEntry("X-Api-Key", "Key tok-123");
        assertThat(renderer.renderTracked(lead, bearer, "r").secretValues()).containsExactly("tok-123");
    }

    @Test
    void missingSecretStopsTheRequestNamingTheVariable() {
        AdvertiserRequest bearer = request("https://adv.example/leads").setAuth(AdvertiserAuth.newBuilder()
                .setScheme(AuthScheme.BEARER).setToken("${env:NOT_SET_ANYWHERE}").build()).build();

        assertThatThrownBy(() -> renderer.render(lead("s-1", "et", Map.of()), bearer, "r"))
                .isInstanceOf(RequestRenderException.class).hasMessageContaining("NOT_SET_ANYWHERE");
    }

    @Test
    void leadValueWithCrLfNeverBecomesAHeaderLine() {
        AdvertiserRequest config = request("https://adv.example/leads")
                .setHeaders(Map.of("X-Lead-Ref", "${ref}")).setFields(List.of(field("ref").build())).build();
        LeadSubmitted lead = lead("s-1", "et", Map.of("ref", "a\r\nX-Injected: 1"));

        assertThatThrownBy(() -> renderer.render(lead, config, "r"))
                .isInstanceOf(RequestRenderException.class).hasMessageContaining("X-Lead-Ref")
                .hasMessageNotContaining("Injected");
    }

    @Test
    void requiredFieldsAndChecksStopALeadThatFailsThem() {
        EventType eventType = EventType.newBuilder().setId("et").setRequest(request("https://adv.example/l").build())
                .setRule(io.datapost.schemas.VerdictRule.newBuilder().build())
                .setExtraction(io.datapost.schemas.Extraction.newBuilder().build())
                .setRequiredFields(List.of("email", "zip"))
                .setFieldChecks(List.of(check("email", FieldCheckKind.EMAIL, null), check("zip", FieldCheckKind.ZIP, null),
                        check("phone", FieldCheckKind.PHONE, null), check("ref", FieldCheckKind.REGEX, "[A-Z]{3}-\\d+")))
                .build();
        LeadSubmitted bad = lead("s-1", "et", Map.of("email", "jane.example.com", "phone", "12", "ref", "abc"));
        LeadSubmitted good = lead("s-2", "et", Map.of("email", "jane@example.com", "zip", "10001",
                "phone", "555-000-1111", "ref", "ABC-12"));

        assertThatThrownBy(() -> renderer.render(bad, eventType, "r"))
                .isInstanceOf(RequestRenderException.class)
                .hasMessage("Required field zip is missing; Field email fails its EMAIL check; "
                        + "Field phone fails its PHONE check; Field ref fails its REGEX check");
        assertThat(renderer.render(good, eventType, "r").body()).isNotNull();
    }

    private static FieldMapping.Builder field(String name) {
        return FieldMapping.newBuilder().setName(name);
    }

    private static FieldCheck check(String field, FieldCheckKind kind, String pattern) {
        return FieldCheck.newBuilder().setField(field).setCheck(kind).setPattern(pattern).build();
    }
}
