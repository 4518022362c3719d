package io.datapost.ingest.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP port in front of a broker's bootstrap address that either hangs up on every connection (the
 * broker looks down) or forwards it. Only bootstrap goes through here: once a client has metadata it
 * talks to the broker's advertised address directly.
 */
public final class SwitchableProxy implements AutoCloseable {

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private volatile boolean forwarding;

    public SwitchableProxy(String bootstrapServers) throws IOException {
        String first = bootstrapServers.split(",")[0].trim();
        int colon = first.lastIndexOf(':');
        targetHost = first.substring(0, colon);
        targetPort = Integer.parseInt(first.substring(colon + 1));
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "switchable-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    public void forward(boolean on) {
        forwarding = on;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (!forwarding) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket(targetHost, targetPort);
                pump(client.getInputStream(), upstream.getOutputStream(), client, upstream);
                pump(upstream.getInputStream(), client.getOutputStream(), client, upstream);
            } catch (IOException e) {
                // closed, or one connection failed: the client retries
            }
        }
    }

    private static void pump(InputStream in, OutputStream out, Socket a, Socket b) {
        Thread thread = new Thread(() -> {
            try (a; b) {
                in.transferTo(out);
            } catch (IOException e) {
                // connection ended
            }
        }, "switchable-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
