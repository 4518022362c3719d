package io.datapost.cli.config;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.avro.specific.SpecificData;

import io.datapost.forwarder.http.RequestCheck;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutTerm;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.validator.rules.RuleCheck;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads {@code event-types/*.yaml} and {@code partners/*.yaml} under a config directory into Avro records and
 * checks all of them before anything is applied: structure (required fields, unknown keys, types, decimals)
 * against the Avro schema, then the rules the services rely on (ids usable in URLs and Basic auth, API keys
 * only as salted hashes, payout terms only for event types that exist, sane timeouts; for event types, what the
 * forwarder's {@link RequestCheck} and the validator's {@link RuleCheck} say: templates, transforms, secrets only
 * as {@code ${env:NAME}} and set in the environment, expressions that compile). Every problem names its file,
 * line and field.
 */
public final class ConfigLoader {

    public static final String EVENT_TYPES_DIR = "event-types";
    public static final String PARTNERS_DIR = "partners";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Pattern KEY_HASH = Pattern.compile("sha256:[0-9a-f]{32}:[0-9a-f]{64}");
    private static final String PLAIN_KEY_REFUSED =
            "plain API keys are refused: store only apiKeyHashes (`datapost config hash-key KEY` prints one)";

    private final YAMLMapper yaml = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /** Where the services will read secrets; null: referenced secrets are not required to be set here. */
    private final Function<String, String> environment;

    /** Checks that every {@code ${env:NAME}} secret is set in this process's environment. */
    public ConfigLoader() {
        this(System::getenv);
    }

    /** @param environment where secrets are looked up; null skips the check that they are set */
    public ConfigLoader(Function<String, String> environment) {
        this.environment = environment;
    }

    public ConfigSet load(Path dir) {
        ConfigSet set = loadUnlined(dir);
        if (set.valid()) {
            return set;
        }
        Map<Path, YamlLines> lines = new HashMap<>();
        List<ConfigProblem> located = set.problems().stream()
                .map(p -> p.line() > 0 || p.field().equals(ConfigProblem.WHOLE_FILE) || !Files.isRegularFile(p.file())
                        ? p : p.withLine(lines.computeIfAbsent(p.file(), f -> YamlLines.of(yaml, f.toFile()))
                                .lineOf(p.field())))
                .sorted(java.util.Comparator.comparing(ConfigProblem::file)
                        .thenComparingInt(ConfigProblem::line))
                .toList();
        return new ConfigSet(set.eventTypes(), set.partners(), located);
    }

    private ConfigSet loadUnlined(Path dir) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            problems.add(new ConfigProblem(dir, ConfigProblem.WHOLE_FILE, "not a directory"));
            return new ConfigSet(List.of(), List.of(), problems);
        }
        Map<Path, EventType> eventTypes = new LinkedHashMap<>();
        for (Path file : yamlFiles(dir.resolve(EVENT_TYPES_DIR), problems)) {
            EventType eventType = readFile(file, EventType.class, Map.of(), problems);
            if (eventType != null) {
                checkEventType(file, eventType, problems);
                eventTypes.put(file, eventType);
            }
        }
        Map<Path, Partner> partners = new LinkedHashMap<>();
        Map<String, String> partnerRefusals = Map.of("apiKey", PLAIN_KEY_REFUSED, "apiKeys", PLAIN_KEY_REFUSED,
                "api_key", PLAIN_KEY_REFUSED, "key", PLAIN_KEY_REFUSED, "password", PLAIN_KEY_REFUSED);
        for (Path file : yamlFiles(dir.resolve(PARTNERS_DIR), problems)) {
            Partner partner = readFile(file, Partner.class, partnerRefusals, problems);
            if (partner != null) {
                partners.put(file, partner);
            }
        }
        if (eventTypes.isEmpty() && partners.isEmpty() && problems.isEmpty()) {
            problems.add(new ConfigProblem(dir, ConfigProblem.WHOLE_FILE,
                    "no " + EVENT_TYPES_DIR + "/*.yaml or " + PARTNERS_DIR + "/*.yaml files"));
        }
        checkUniqueIds(eventTypes, EventType::getId, problems);
        checkUniqueIds(partners, Partner::getId, problems);
        // an event type with a problem elsewhere in its file still exists for the partners that pay for it:
        // each problem is reported once, where it is
        Set<String> knownEventTypes = new HashSet<>();
        eventTypes.values().stream().map(EventType::getId).filter(Objects::nonNull).forEach(knownEventTypes::add);
        partners.forEach((file, partner) -> checkPartner(file, partner, knownEventTypes, problems));
        if (!problems.isEmpty()) {
            List<ConfigProblem> byFile = new ArrayList<>(problems);
            byFile.sort(java.util.Comparator.comparing(ConfigProblem::file)); // stable: a file's own order stays
            return new ConfigSet(List.of(), List.of(), byFile);
        }
        return new ConfigSet(List.copyOf(eventTypes.values()), List.copyOf(partners.values()), problems);
    }

    private List<Path> yamlFiles(Path dir, List<ConfigProblem> problems) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().endsWith(".yaml")
                            || f.getFileName().toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            problems.add(new ConfigProblem(dir, ConfigProblem.WHOLE_FILE, "cannot list: " + e.getMessage()));
            return List.of();
        }
    }

    private <T extends org.apache.avro.specific.SpecificRecord> T readFile(Path file, Class<T> type,
            Map<String, String> refusedKeys, List<ConfigProblem> problems) {
        JsonNode tree;
        try {
            tree = yaml.readTree(file.toFile());
        } catch (JacksonException e) {
            // only the parser's first line: the rest quotes the file, which may hold a secret
            String reason = e.getOriginalMessage() == null ? e.getClass().getSimpleName()
                    : e.getOriginalMessage().lines().findFirst().orElse("").trim();
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            problems.add(new ConfigProblem(file, Math.max(line, 0), ConfigProblem.WHOLE_FILE,
                    "not valid YAML: " + reason + location(e)));
            return null;
        }
        YamlRecordReader reader = new YamlRecordReader(SpecificData.getForClass(type), refusedKeys);
        return reader.read(tree, type, (field, message) -> problems.add(new ConfigProblem(file, field, message)));
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private void checkEventType(Path file, EventType eventType, List<ConfigProblem> problems) {
        Reporter report = new Reporter(file, problems);
        if (eventType.getId() != null && !ID.matcher(eventType.getId()).matches()) {
            report.problem("id", "must be 1-100 letters, digits, '.', '_' or '-' (it is part of the ingest URL)");
        }
        if (eventType.getCurrency() != null && !CURRENCY.matcher(eventType.getCurrency()).matches()) {
            report.problem("currency", "must be an ISO 4217 code such as USD");
        }
        if (eventType.getDefaultPrice() != null && eventType.getDefaultPrice().signum() < 0) {
            report.problem("defaultPrice", "must not be negative");
        }
        if (eventType.getRequest() != null) {
            RequestCheck.check(eventType, environment)
                    .forEach(problem -> report.problem(problem.field(), problem.message()));
        }
        if (eventType.getRule() == null) {
            return;
        }
        List<Integer> statuses = eventType.getRule().getAcceptStatuses();
        for (int i = 0; statuses != null && i < statuses.size(); i++) {
            if (statuses.get(i) != null && (statuses.get(i) < 100 || statuses.get(i) > 599)) {
                report.problem("rule.acceptStatuses[" + i + "]", "not an HTTP status: " + statuses.get(i));
            }
        }
        RuleCheck.check(eventType).forEach(problem -> report.problem(problem.field(), problem.message()));
    }

    private static void checkPartner(Path file, Partner partner, Set<String> eventTypes,
            List<ConfigProblem> problems) {
        Reporter report = new Reporter(file, problems);
        // ':' would make HTTP Basic credentials ambiguous
        if (partner.getId() != null && !ID.matcher(partner.getId()).matches()) {
            report.problem("id", "must be 1-100 letters, digits, '.', '_' or '-'");
        }
        List<String> hashes = partner.getApiKeyHashes() == null ? List.of() : partner.getApiKeyHashes();
        for (int i = 0; i < hashes.size(); i++) {
            // never echo the value: it may be a plain key pasted in the wrong place
            if (hashes.get(i) != null && !KEY_HASH.matcher(hashes.get(i)).matches()) {
                report.problem("apiKeyHashes[" + i + "]",
                        "not a salted key hash (sha256:<32 hex>:<64 hex>); `datapost config hash-key KEY` prints one");
            }
        }
        Set<String> paid = new HashSet<>();
        List<PayoutTerm> payouts = partner.getPayouts() == null ? List.of() : partner.getPayouts();
        for (int i = 0; i < payouts.size(); i++) {
            PayoutTerm term = payouts.get(i);
            String at = "payouts[" + i + "]";
            if (term == null) {
                continue;
            }
            if (term.getEventTypeId() != null && !eventTypes.contains(term.getEventTypeId())) {
                report.problem(at + ".eventTypeId", "no event type \"" + term.getEventTypeId() + "\" in "
                        + EVENT_TYPES_DIR + "/");
            }
            if (term.getEventTypeId() != null && !paid.add(term.getEventTypeId())) {
                report.problem(at + ".eventTypeId", "a second payout term for \"" + term.getEventTypeId() + "\"");
            }
            if (term.getKind() == PayoutTermKind.UNKNOWN) { // the enum's reader default, never a real term
                report.problem(at + ".kind", "must be FIXED or PERCENT");
            }
            BigDecimal value = term.getValue();
            if (value != null && value.signum() < 0) {
                report.problem(at + ".value", "must not be negative");
            }
            if (value != null && term.getKind() == PayoutTermKind.PERCENT
                    && value.compareTo(BigDecimal.valueOf(100)) > 0) {
                report.problem(at + ".value", "a percentage above 100");
            }
            if (term.getCurrency() != null && !CURRENCY.matcher(term.getCurrency()).matches()) {
                report.problem(at + ".currency", "must be an ISO 4217 code such as USD");
            }
        }
    }

    private static <T> void checkUniqueIds(Map<Path, T> records, java.util.function.Function<T, String> id,
            List<ConfigProblem> problems) {
        Map<String, Path> seen = new HashMap<>();
        records.forEach((file, record) -> {
            if (id.apply(record) == null) {
                return;
            }
            Path first = seen.putIfAbsent(id.apply(record), file);
            if (first != null) {
                problems.add(new ConfigProblem(file, "id", "\"" + id.apply(record) + "\" is already defined in "
                        + first.getFileName()));
            }
        });
    }

    /** Problems of reading a file (type, required, unknown key) say "expected", "required", "unknown key"... */
    private static boolean readProblem(ConfigProblem problem) {
        String m = problem.message();
        return m.startsWith("expected ") || m.equals("required") || m.startsWith("unknown key")
                || m.startsWith("not a decimal") || m.startsWith("must not be null") || m.startsWith("more than ")
                || m.startsWith("too large");
    }

    private record Reporter(Path file, List<ConfigProblem> problems) {
        /** A field that already failed to read is not reported a second time by a later check. */
        void problem(String field, String message) {
            boolean known = problems.stream().anyMatch(p -> p.file().equals(file) && p.field().equals(field)
                    && (p.message().equals(message) || readProblem(p)));
            if (!known) {
                problems.add(new ConfigProblem(file, field, message));
            }
        }
    }
}
