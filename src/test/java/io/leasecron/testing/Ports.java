package io.leasecron.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers a test starts in another process, which binds them seconds later. A port the kernel hands
 * out for {@code bind(0)} comes from the ephemeral range, from which every outgoing connection on the machine also
 * takes its local port: under a busy suite one of them may take it before the server binds. These come from below
 * that range (20000-32000), are bindable when handed out, and are never handed out twice by one JVM.
 */
public final class Ports {
    private static final Set<Integer> GIVEN = new HashSet<>();

    private Ports() {
    }

    public static synchronized int free() throws IOException {
        for (int i = 0; i < 1000; i++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            if (GIVEN.contains(port)) {
                continue;
            }
            try (ServerSocket any = new ServerSocket(); ServerSocket loopback = new ServerSocket()) {
                any.bind(new InetSocketAddress(port));
                any.close();
                loopback.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                GIVEN.add(port);
                return port;
            } catch (IOException inUse) {
                // taken: try another
            }
        }
        throw new IOException("no free port between 20000 and 32000 after 1000 tries");
    }
}
