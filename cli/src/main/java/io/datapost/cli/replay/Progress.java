package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * One progress line, redrawn in place ({@code \r}) at most every {@code interval}: records read of the total,
 * changed, rate and time left at that rate. The bar and the time left follow the offsets passed ({@code covered}) of
 * the offsets in range ({@code total}); the total shown is the records read plus the offsets still ahead, so it
 * shrinks to the records actually read where offsets hold transaction markers rather than records.
 */
final class Progress {

    private final PrintWriter out;
    private final long total;
    private final long interval;
    private final long started = System.nanoTime();
    private long lastDrawn;
    private final long alreadyRead;

    Progress(PrintWriter out, long total, long alreadyRead, Duration interval) {
        this.out = out;
        this.total = total;
        this.alreadyRead = alreadyRead;
        this.interval = interval.toNanos();
    }

    void update(long read, long covered, long changed) {
        long now = System.nanoTime();
        if (now - lastDrawn >= interval) {
            lastDrawn = now;
            out.print("\r" + line(read, covered, changed, now));
            out.flush();
        }
    }

    void finish(long read, long covered, long changed) {
        out.println("\r" + line(read, covered, changed, System.nanoTime()));
        out.flush();
    }

    String line(long read, long covered, long changed, long now) {
        double seconds = Math.max(1e-3, (now - started) / 1e9);
        double rate = (covered - alreadyRead) / seconds;
        long left = Math.max(0, total - covered);
        String eta = rate <= 0 ? "?" : format(Duration.ofSeconds((long) Math.ceil(left / rate)));
        int percent = total == 0 ? 100 : (int) Math.min(100, covered * 100 / total);
        return line(percent, read, read + left, changed, (read - alreadyRead) / seconds, eta);
    }

    static String line(int percent, long read, long total, long changed, double rate, String eta) {
        int filled = percent / 5;
        return String.format(java.util.Locale.ROOT, "[%s%s] %3d%% read %,d/%,d  changed %,d  %,.0f records/s  ETA %s   ",
                "#".repeat(filled), ".".repeat(20 - filled), percent, read, total, changed, rate, eta);
    }

    static String format(Duration d) {
        long s = d.getSeconds();
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
