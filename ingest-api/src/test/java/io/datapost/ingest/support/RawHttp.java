package io.datapost.ingest.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * HTTP/1.1 by hand over a plain socket: the exact bytes given, malformed ones included (HttpClient and OkHttp
 * refuse to send those), and the answer read until the server closes the connection.
 */
public final class RawHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private RawHttp() {
    }

    /** An answer: status, headers by lower-case name, de-chunked body, and how long it took. */
    public record Answer(int status, Map<String, String> headers, String body, Duration took, boolean closed) {

        public String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }

        public JsonNode json() {
            return JSON.readTree(body);
        }
    }

    public static Socket open(int port) {
        try {
            Socket socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code request} on a new connection and reads the answer until the server closes it. */
    public static Answer exchange(int port, String request, Duration timeout) {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), timeout);
    }

    public static Answer exchange(int port, byte[] request, Duration timeout) {
        try (Socket socket = open(port)) {
            long start = System.nanoTime();
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return read(socket, timeout, start);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one answer from an open socket (the server must close the connection after it). */
    public static Answer read(Socket socket, Duration timeout, long startNanos) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        boolean closed = false;
        try {
            for (int n; (n = in.read(buffer)) != -1; ) {
                bytes.write(buffer, 0, n);
            }
            closed = true;
        } catch (SocketTimeoutException e) {
            if (bytes.size() == 0) {
                throw new AssertionError("No answer within " + timeout, e);
            }
        } catch (IOException e) {
            // a reset after the answer also ends it
            closed = true;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        return parse(bytes.toString(StandardCharsets.ISO_8859_1), took, closed);
    }

    /** True when nothing at all has arrived on the socket yet (waits at most a few milliseconds). */
    public static boolean nothingReceived(Socket socket) {
        try {
            socket.setSoTimeout(5);
            return socket.getInputStream().read() == -2;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Answer parse(String raw, Duration took, boolean closed) {
        int headerEnd = raw.indexOf("\r\n\r\n");
        if (!raw.startsWith("HTTP/1.1 ") || headerEnd < 0) {
            throw new AssertionError("Not an HTTP answer: " + raw);
        }
        String[] lines = raw.substring(0, headerEnd).split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        String body = raw.substring(headerEnd + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            try {
                body = dechunk(body);
            } catch (RuntimeException e) {
                throw new AssertionError("Incomplete chunked answer (closed: " + closed + "): " + raw, e);
            }
        }
        byte[] bodyBytes = body.getBytes(StandardCharsets.ISO_8859_1);
        return new Answer(status, headers, new String(bodyBytes, StandardCharsets.UTF_8), took, closed);
    }

    private static String dechunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).trim(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
