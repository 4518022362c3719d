package io.datapost.cli.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The history of replays: one JSON file per replay id under {@code <data-dir>/replays}, written atomically
 * (temp file + move), so a replay killed at any point leaves its last checkpoint readable.
 */
public final class ReplayLog {

    static final String DIR = "replays";
    private static final String SUFFIX = ".json";

    private final Path dir;
    private final JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    public ReplayLog(Path dataDir) {
        this.dir = dataDir.resolve(DIR);
    }

    public Path dir() {
        return dir;
    }

    public void save(ReplayRecord record) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(record.id + SUFFIX);
            Path temp = dir.resolve(record.id + SUFFIX + ".tmp");
            Files.write(temp, json.writeValueAsBytes(record));
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not record replay " + record.id + " in " + dir, e);
        }
    }

    public Optional<ReplayRecord> find(String id) {
        Path file = dir.resolve(id + SUFFIX);
        if (!id.matches("[A-Za-z0-9._-]+") || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(json.readValue(file.toFile(), ReplayRecord.class));
    }

    /** Oldest first. */
    public List<ReplayRecord> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<ReplayRecord> records = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).toList()) {
                records.add(json.readValue(file.toFile(), ReplayRecord.class));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        records.sort(Comparator.comparing((ReplayRecord r) -> String.valueOf(r.startedAt))
                .thenComparing(r -> r.id));
        return records;
    }
}
