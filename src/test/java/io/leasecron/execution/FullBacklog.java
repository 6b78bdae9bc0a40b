package io.leasecron.execution;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A listening socket on loopback whose accept queue is full, so that no new connection to it can be made until
 * {@link #acceptAfterDraining()}: a target that accepts late. Linux drops the SYN of a connection that finds the queue
 * full (with the default {@code net.ipv4.tcp_abort_on_overflow=0}) and the client sends it again after about a second.
 */
final class FullBacklog implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    private final List<Socket> fillers = new ArrayList<>();

    FullBacklog() throws IOException {
        while (true) {
            Socket s = new Socket();
            try {
                s.connect(server.getLocalSocketAddress(), 200);
                fillers.add(s);
            } catch (SocketTimeoutException full) {
                s.close();
                break;
            }
            if (fillers.size() > 64) {
                throw new IllegalStateException("the accept queue of a backlog-1 socket took 64 connections: this system"
                        + " does not refuse connections to a full queue");
            }
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** Empties the queue, then accepts (within ten seconds) the next connection: the client's. */
    Socket acceptAfterDraining() throws IOException {
        for (Socket filler : fillers) {
            server.accept().close();
            filler.close();
        }
        fillers.clear();
        server.setSoTimeout(10_000);
        Socket s = server.accept();
        s.setSoTimeout(10_000);
        return s;
    }

    @Override
    public void close() throws IOException {
        for (Socket filler : fillers) {
            filler.close();
        }
        server.close();
    }
}
