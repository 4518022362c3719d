package io.datapost.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.security.ApiKeyHasher;

class ConfigLoaderTest {

    static final Path REPO_CONFIG = Path.of(System.getProperty("basedir", ".")).resolve("../config").normalize();

    private final ConfigLoader loader = new ConfigLoader();

    static Path resource(String name) {
        return Path.of(System.getProperty("basedir", ".")).resolve("src/test/resources").resolve(name);
    }

    @Test
    void loadsTheSampleConfigOfTheRepository() {
        // Given the config shipped in <repo>/config
        // When it is loaded
        ConfigSet config = loader.load(REPO_CONFIG);

        // Then it is valid and mirrors the YAML field for field
        assertThat(config.problems()).isEmpty();
        assertThat(config.eventTypes()).extracting(EventType::getId).containsExactly("insurance-quote");
        EventType quote = config.eventTypes().get(0);
        assertThat(quote.getDefaultPrice()).isEqualTo(new BigDecimal("10.0000")); // scale 4, as the schema says
        assertThat(quote.getRequiredFields()).containsExactly("email", "phone", "first_name", "last_name", "zip");
        assertThat(quote.getRequest().getUrl()).isEqualTo("http://127.0.0.1:8099/v1/leads");
        assertThat(quote.getRequest().getIdempotent()).isTrue();
        assertThat(quote.getRequest().getMaxAttempts()).isEqualTo(3);
        assertThat(quote.getRequest().getHeaders()).isEmpty(); // defaulted from the schema
        assertThat(quote.getRule().getAcceptStatuses()).containsExactly(200, 201);
        assertThat(quote.getRule().getEquals()).isEqualTo("accepted");
        assertThat(quote.getExtraction().getAmount()).isEqualTo("$.price");

        assertThat(config.partners()).extracting(Partner::getId).containsExactly("demo-partner", "other-partner");
        Partner demo = config.partners().get(0);
        assertThat(ApiKeyHasher.matches("demo-key-1", demo.getApiKeyHashes().get(0))).isTrue();
        assertThat(demo.getPayouts()).singleElement().satisfies(term -> {
            assertThat(term.getEventTypeId()).isEqualTo("insurance-quote");
            assertThat(term.getKind()).isEqualTo(PayoutTermKind.FIXED);
            assertThat(term.getValue()).isEqualTo(new BigDecimal("4.0000"));
            assertThat(term.getCurrency()).isEqualTo("USD");
        });
        assertThat(config.partners().get(1).getPayouts()).isEmpty();
    }

    @Test
    void reportsEveryProblemOfEveryFileWithFileAndField() {
        // Given a directory where several files are wrong in several ways
        // When it is loaded
        ConfigSet config = loader.load(resource("config-bad"));

        // Then each problem is reported once, naming its file and field, and no record is usable
        assertThat(config.valid()).isFalse();
        assertThat(config.eventTypes()).isEmpty();
        assertThat(config.partners()).isEmpty();
        assertThat(config.problems())
                .extracting(p -> p.file().getFileName().toString(), ConfigProblem::field)
                .containsExactlyInAnyOrder(
                        tuple("broken-type.yaml", "currency"),
                        tuple("broken-type.yaml", "defaultPrice"),
                        tuple("broken-type.yaml", "request.url"),
                        tuple("broken-type.yaml", "request.timeoutMillis"),
                        tuple("broken-type.yaml", "request.retries"),
                        tuple("broken-type.yaml", "rule.acceptStatuses[1]"),
                        tuple("leaky-partner.yaml", "apiKey"),
                        tuple("leaky-partner.yaml", "payouts[0].eventTypeId"),
                        tuple("leaky-partner.yaml", "payouts[0].value"),
                        tuple("leaky-partner.yaml", "payouts[1].kind"),
                        tuple("not-yaml.yaml", ConfigProblem.WHOLE_FILE));
        assertThat(config.problems()).filteredOn(p -> p.field().equals("request.url"))
                .singleElement().extracting(ConfigProblem::message).isEqualTo("required");
        assertThat(config.problems()).filteredOn(p -> p.field().equals("defaultPrice"))
                .singleElement().extracting(ConfigProblem::message).asString().contains("not a decimal");
    }

    @Test
    void refusesAPlainApiKeyWithoutRepeatingIt() {
        // Given a partner file with a plain apiKey next to its hashes
        // When it is loaded
        ConfigSet config = loader.load(resource("config-bad"));

        // Then the key is refused, the message points to apiKeyHashes, and the secret is not echoed anywhere
        assertThat(config.problems()).filteredOn(p -> p.field().equals("apiKey")).singleElement()
                .extracting(ConfigProblem::message).asString().contains("apiKeyHashes");
        assertThat(config.problems()).allSatisfy(p -> assertThat(p.toString()).doesNotContain("super-secret-key-123"));
    }

    @Test
    void refusesAValueInApiKeyHashesThatIsNotAHash(@TempDir Path dir) throws IOException {
        // Given a plain key pasted where a hash belongs
        Files.createDirectories(dir.resolve("partners"));
        Files.writeString(dir.resolve("partners/p.yaml"), "id: p\napiKeyHashes: [my-plain-key]\n");

        // When it is loaded
        ConfigSet config = loader.load(dir);

        // Then it is refused without echoing the value
        assertThat(config.problems()).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("apiKeyHashes[0]");
            assertThat(p.message()).doesNotContain("my-plain-key");
        });
    }

    @Test
    void refusesTheSameIdInTwoFilesAndDuplicateYamlKeys(@TempDir Path dir) throws IOException {
        // Given two partners with one id, and a file with a key written twice
        Files.createDirectories(dir.resolve("partners"));
        Files.writeString(dir.resolve("partners/a.yaml"), "id: same\n");
        Files.writeString(dir.resolve("partners/b.yaml"), "id: same\n");
        Files.writeString(dir.resolve("partners/c.yaml"), "id: c\nname: one\nname: two\n");

        // When it is loaded
        ConfigSet config = loader.load(dir);

        // Then both are reported
        assertThat(config.problems()).extracting(p -> p.file().getFileName().toString(), ConfigProblem::field)
                .containsExactlyInAnyOrder(tuple("b.yaml", "id"), tuple("c.yaml", ConfigProblem.WHOLE_FILE));
    }

    @Test
    void refusesADirectoryWithoutConfigFiles(@TempDir Path dir) {
        assertThat(loader.load(dir).problems()).singleElement()
                .extracting(ConfigProblem::message).asString().contains("no event-types");
    }
}
