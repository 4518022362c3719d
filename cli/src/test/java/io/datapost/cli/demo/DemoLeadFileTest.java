package io.datapost.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The shipped demo leads are the generator's output and have the advertised mix. */
class DemoLeadFileTest {

    private static final Pattern EMAIL =
            Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");
    private static final List<String> REQUIRED = List.of("email", "phone", "first_name", "last_name", "zip");
    private static List<String> lines;
    private static List<JsonNode> leads;

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = DemoLeadFileTest.class.getResourceAsStream(DemoCommand.DEFAULT_LEADS)) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        JsonMapper json = JsonMapper.builder().build();
        leads = new ArrayList<>();
        for (String line : lines) {
            leads.add(json.readTree(line));
        }
    }

    @Test
    void isExactlyWhatTheGeneratorWrites() {
        assertThat(lines).isEqualTo(LeadFileGenerator.generate());
    }

    @Test
    void hasTheAdvertisedMixOfValidInvalidDuplicateAndIncompleteLeads() {
        assertThat(leads).hasSizeGreaterThanOrEqualTo(1_200);
        long missing = leads.stream().filter(l -> REQUIRED.stream().anyMatch(f -> !l.has(f))).count();
        long invalid = leads.stream().filter(l -> l.has("email") && !EMAIL.matcher(l.get("email").asString()).matches())
                .count();
        Map<String, Integer> identities = new HashMap<>();
        leads.stream().filter(l -> REQUIRED.stream().allMatch(l::has))
                .filter(l -> EMAIL.matcher(l.get("email").asString()).matches())
                .forEach(l -> identities.merge(l.get("email").asString().toLowerCase(Locale.ROOT) + "|"
                        + l.get("phone").asString().replaceAll("\\D", ""), 1, Integer::sum));
        long duplicates = identities.values().stream().mapToInt(n -> n - 1).sum();

        assertThat(missing).isBetween(3L, 10L);
        assertThat(invalid * 100.0 / leads.size()).isBetween(7.0, 9.0);
        assertThat(duplicates * 100.0 / leads.size()).isBetween(2.5, 3.5);
    }

    @Test
    void containsOnlyFictionalContactData() {
        Pattern fictionalPhone = Pattern.compile("\\D*\\d{3}\\D*555\\D*01\\d{2}");
        assertThat(leads).filteredOn(l -> l.has("phone"))
                .allSatisfy(l -> assertThat(l.get("phone").asString()).matches(fictionalPhone));
        assertThat(leads).filteredOn(l -> l.has("email"))
                .allSatisfy(l -> assertThat(l.get("email").asString())
                        // broken ones too: "x@example", "x.example.org", "x@example,org"
                        .containsPattern("example[.,](org|com)|@example$").doesNotContainPattern("@(?!@|example)"));
        assertThat(leads).filteredOn(l -> l.has("zip"))
                .allSatisfy(l -> assertThat(l.get("zip").asString()).matches("\\d{5}"));
        assertThat(leads).filteredOn(l -> l.has("ip"))
                .allSatisfy(l -> assertThat(l.get("ip").asString()).matches("(192\\.0\\.2|198\\.51\\.100|203\\.0\\.113)\\.\\d+"));
        assertThat(leads).anyMatch(l -> l.has("first_name") && !l.get("first_name").asString().matches("\\p{ASCII}*"));
    }
}
