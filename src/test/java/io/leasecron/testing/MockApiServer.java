package io.leasecron.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;

/**
 * The Fabric8 mock API server in CRUD mode, on loopback: a real HTTP API with optimistic concurrency, watches and
 * informers, shared by every client a test creates (one per replica).
 */
public final class MockApiServer implements AutoCloseable {
    private final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
            new KubernetesCrudDispatcher() {
                /**
                 * {@code GET /version} with a {@code Date} header, as every answer of a real API server has (the clock
                 * check reads it); the CRUD dispatcher alone answers it with an empty list and no date.
                 */
                @Override
                public MockResponse handleGet(String path) {
                    if (!"/version".equals(path)) {
                        return super.handleGet(path);
                    }
                    return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                            .setHeader("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)))
                            .setBody("{\"major\":\"1\",\"minor\":\"33\",\"gitVersion\":\"v1.33.0-fabric8-mock\"}");
                }
            }, false);

    public MockApiServer() {
        server.init();
    }

    public String url() {
        return server.url("/").replaceAll("/$", "");
    }

    /** A client of its own, the way each replica has one; short timeouts and no hidden retries, as in production. */
    public KubernetesClient client(String userAgent) {
        return client(url(), userAgent);
    }

    public static KubernetesClient client(String url, String userAgent) {
        return client(url, userAgent, new Interceptor() {
        });
    }

    /** With {@code interceptor} seeing every request (to count them). */
    public static KubernetesClient client(String url, String userAgent, Interceptor interceptor) {
        Config c = new ConfigBuilder(Config.empty()).withMasterUrl(url).withNamespace("test").withTrustCerts(true)
                .withRequestTimeout(2000).withConnectionTimeout(1000).withRequestRetryBackoffLimit(0)
                .withUserAgent(userAgent).build();
        return new KubernetesClientBuilder().withConfig(c)
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("test", interceptor)).build();
    }

    @Override
    public void close() {
        server.destroy();
    }
}
