package io.datapost.cli.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JVM (or other program) the local stack started: output to a log file, pid in a pid file so that a stack
 * killed with SIGKILL leaves nothing running that the next start cannot find and stop.
 */
final class ChildProcess {

    private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final String name;
    private final Process process;
    private final Path pidFile;
    private final Path logFile;

    private ChildProcess(String name, Process process, Path pidFile, Path logFile) {
        this.name = name;
        this.process = process;
        this.pidFile = pidFile;
        this.logFile = logFile;
    }

    /**
     * Starts {@code command} with stdout and stderr in {@code logFile} (the previous run's log is kept as
     * {@code .1}). On Linux the child gets its own session, so a Ctrl-C in the terminal reaches only datapost,
     * which then stops the children in order (services before the broker they write to).
     */
    static ChildProcess start(String name, List<String> command, Map<String, String> environment, Path workDir,
            Path pidFile, Path logFile) throws IOException {
        Files.createDirectories(logFile.getParent());
        Files.createDirectories(pidFile.getParent());
        if (Files.exists(logFile)) {
            Files.move(logFile, logFile.resolveSibling(logFile.getFileName() + ".1"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> full = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            full.add(SETSID.toString());
        }
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full);
        builder.environment().putAll(environment);
        Process process = builder
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        Files.writeString(pidFile, Long.toString(process.pid()));
        log.info("started {} as pid {}, log {}", name, process.pid(), logFile);
        return new ChildProcess(name, process, pidFile, logFile);
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path logFile() {
        return logFile;
    }

    /** Asks the process to stop (SIGTERM) without waiting. */
    void requestStop() {
        if (process.isAlive()) {
            process.destroy();
        }
    }

    /** SIGTERM, wait up to {@code grace}, then SIGKILL. Returns true when it stopped within the grace. */
    boolean stop(Duration grace) {
        requestStop();
        boolean clean = waitFor(process.toHandle(), grace);
        if (!clean) {
            log.warn("{} (pid {}) did not stop within {}; killing it", name, process.pid(), grace);
            process.destroyForcibly();
            waitFor(process.toHandle(), Duration.ofSeconds(10));
        }
        deleteQuietly(pidFile);
        return clean;
    }

    /** The last lines of the log, for an error message. */
    String tail(int lines) {
        return tail(logFile, lines);
    }

    /**
     * For a start-up failure: the first ERROR of the log with the lines after it (usually the cause), then
     * the last lines (usually the shutdown it caused).
     */
    String diagnosis() {
        List<String> all = readLines(logFile);
        int firstError = -1;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).matches(".*\\sERROR\\s.*|^Error: .*|^Exception in thread .*")) {
                firstError = i;
                break;
            }
        }
        String nl = System.lineSeparator();
        if (firstError < 0 || firstError >= all.size() - 30) {
            return "last lines of " + logFile + ":" + nl + tail(30);
        }
        return "first error in " + logFile + ":" + nl
                + String.join(nl, all.subList(firstError, Math.min(all.size(), firstError + 12))) + nl
                + "..." + nl + "last lines:" + nl + tail(15);
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    static String tail(Path file, int lines) {
        if (!Files.exists(file)) {
            return "(no log at " + file + ")";
        }
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Stops a process left running by an earlier stack that was killed before it could clean up. The pid is
     * trusted only if that process's command line still contains {@code marker}, so a recycled pid is never
     * touched.
     *
     * @return the pid that was stopped
     */
    static Optional<Long> stopLeftover(Path pidFile, String marker, Duration grace) {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false));
            if (handle.isPresent()) {
                handle.get().destroy();
                if (!waitFor(handle.get(), grace)) {
                    handle.get().destroyForcibly();
                    waitFor(handle.get(), Duration.ofSeconds(10));
                }
                return Optional.of(pid);
            }
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        } finally {
            deleteQuietly(pidFile);
        }
    }

    static boolean waitFor(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("cannot delete {}", file, e);
        }
    }

    static List<String> javaCommand() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return command;
    }
}
