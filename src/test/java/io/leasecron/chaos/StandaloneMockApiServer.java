package io.leasecron.chaos;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;

/**
 * The Fabric8 mock API server in CRUD mode as a process of its own, so that replica processes, the chaos harness
 * and nothing else share one API: {@code java -cp <test classpath> io.leasecron.chaos.StandaloneMockApiServer}.
 * Prints {@code listening on http://127.0.0.1:<port>} once it serves, and exits when its standard input closes, so
 * it never outlives the process that started it.
 */
public final class StandaloneMockApiServer {
    private StandaloneMockApiServer() {
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), port);
        System.out.println("listening on http://127.0.0.1:" + server.getPort());
        System.out.flush();
        while (System.in.read() >= 0) {
            // the parent holds our stdin open for as long as it wants this server
        }
        server.destroy();
        System.exit(0);
    }
}
