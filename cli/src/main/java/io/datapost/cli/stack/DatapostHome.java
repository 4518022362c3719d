package io.datapost.cli.stack;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

import io.datapost.cli.Datapost;

/**
 * Where the datapost checkout and the cli's runtime jars are. {@code -Ddatapost.home=<repo>} and
 * {@code -Ddatapost.lib=<dir>} win; otherwise both are derived from where the running code lives:
 * {@code <repo>/cli/target/datapost.jar} (or {@code <repo>/cli/target/classes}) next to {@code target/lib}.
 */
public record DatapostHome(Path repoRoot, Path libDir) {

    public static final String HOME_PROPERTY = "datapost.home";
    public static final String LIB_PROPERTY = "datapost.lib";

    public static DatapostHome detect() {
        Path code = codeLocation();
        // .../cli/target/datapost.jar or .../cli/target/classes: target is the parent either way
        Path target = code.getParent();
        Path repo = property(HOME_PROPERTY);
        if (repo == null) {
            repo = target.getParent() == null ? null : target.getParent().getParent();
        }
        Path lib = property(LIB_PROPERTY);
        if (lib == null) {
            lib = target.resolve("lib");
        }
        return new DatapostHome(repo == null ? Path.of(".").toAbsolutePath().normalize() : repo, lib);
    }

    /** The classpath of the broker JVM: every jar of the lib dir. Fails early if Kafka is not among them. */
    public String kafkaClasspath() {
        if (!Files.isDirectory(libDir) || !containsKafka(libDir)) {
            throw new IllegalStateException("no Kafka jars in " + libDir
                    + " (build the cli first: mvn -B -q -DskipTests package, or set -D" + LIB_PROPERTY + ")");
        }
        return libDir.toAbsolutePath() + "/*";
    }

    public Path serviceJar(String module) {
        return repoRoot.resolve(module).resolve("target").resolve(module + "-exec.jar");
    }

    public Path defaultConfigDir() {
        return repoRoot.resolve("config");
    }

    private static boolean containsKafka(Path dir) {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "kafka_2.13-*.jar")) {
            return jars.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    private static Path codeLocation() {
        try {
            return Path.of(Datapost.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().normalize();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the datapost code", e);
        }
    }

    private static Path property(String name) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() ? null : Path.of(value).toAbsolutePath().normalize();
    }
}
