package io.datapost.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.datapost.cli.Datapost;
import io.datapost.cli.ExitCodes;
import picocli.CommandLine;

/** `datapost config validate` on event types: every problem with its file, line and field; secrets by name. */
class EventTypeValidationTest {

    private final Path dir = resource("/config-bad-event-type");

    @Test
    void reportsEveryMistakeOfAnEventTypeWithItsLineAndField() {
        // When
        ConfigSet config = new ConfigLoader(Map.<String, String>of()::get).load(dir);

        // Then
        assertThat(config.valid()).isFalse();
        assertThat(config.problems()).filteredOn(p -> p.file().getFileName().toString().equals("every-mistake.yaml"))
                .extracting(ConfigProblem::line, ConfigProblem::field)
                .contains(
                        tuple(4, "request.url"),
                        tuple(6, "request.bodyFormat"),
                        tuple(8, "request.headers.X-Api-Key"),
                        tuple(11, "request.auth.token"),
                        tuple(14, "request.fields[0].transforms[1]"),
                        tuple(16, "request.fields[1].transforms[0]"),
                        tuple(17, "request.bodyTemplate"),
                        tuple(21, "rule.verdicts[0].when.jsonPath"),
                        tuple(25, "rule.verdicts[1].when.regex"),
                        tuple(26, "rule.verdicts[1].outcome"),
                        tuple(27, "rule.verdicts[2].when"),
                        tuple(30, "extraction.orderId"));
        assertThat(config.problems()).filteredOn(p -> p.file().getFileName().toString().equals("missing-secret.yaml"))
                .extracting(ConfigProblem::line, ConfigProblem::field)
                .contains(tuple(2, "request"), tuple(10, "rule.verdicts[0].when.xpath"));
        assertThat(config.problems()).extracting(ConfigProblem::message).contains(
                "secret environment variable DATAPOST_TEST_UNSET_PASSWORD is not set");
        // the literal secrets of the file are never echoed
        assertThat(config.problems()).allSatisfy(p -> assertThat(p.toString())
                .doesNotContain("plain-secret-in-the-file").doesNotContain("tok-in-the-file"));
    }

    @Test
    void validateCommandPrintsFileLineFieldAndMessageAndFails() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = Datapost.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));

        int exit = command.execute("config", "validate", dir.toString());

        assertThat(exit).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(err.toString()).contains(dir.resolve("event-types/every-mistake.yaml") + ":6: request.bodyFormat: "
                + "must be one of JSON, FORM, XML, SOAP, NONE");
        assertThat(err.toString()).contains(dir.resolve("event-types/every-mistake.yaml")
                + ":11: request.auth.token: must be exactly ${env:NAME}");
    }

    @Test
    void theAdvertiserEventTypesAreValidWhenTheirSecretsAreSet() {
        ConfigSet config = new ConfigLoader(Map.of("CODEMSG_KEY", "k", "BOOLEAN_TOKEN", "t")::get)
                .load(resource("/advertisers"));

        assertThat(config.problems()).isEmpty();
        assertThat(config.eventTypes()).hasSize(11);
    }

    @Test
    void aMissingSecretFailsValidationNamingIt() {
        ConfigSet config = new ConfigLoader(Map.of("CODEMSG_KEY", "k")::get).load(resource("/advertisers"));

        assertThat(config.problems()).singleElement().satisfies(p -> {
            assertThat(p.file().getFileName().toString()).isEqualTo("boolean-json.yaml");
            assertThat(p.message()).isEqualTo("secret environment variable BOOLEAN_TOKEN is not set");
        });
        assertThat(config.eventTypes()).isEmpty(); // nothing of an invalid batch is applied
    }

    private static Path resource(String name) {
        try {
            return Path.of(EventTypeValidationTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
