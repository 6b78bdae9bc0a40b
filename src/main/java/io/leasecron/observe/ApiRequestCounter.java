package io.leasecron.observe;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts every request this replica sends to the Kubernetes API in {@code leasecron_api_requests_total{method,
 * resource}}: the measure of what the service costs the API server (it must not grow with the number of jobs).
 */
public final class ApiRequestCounter implements Interceptor {
    private static final Pattern RESOURCE = Pattern.compile("/(?:api/v1|apis/[^/]+/[^/]+)(?:/namespaces/[^/]+)?/([a-z]+)");
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public ApiRequestCounter(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        Matcher m = RESOURCE.matcher(request.uri().getPath());
        String resource = m.find() ? m.group(1) : "other";
        String method = request.method().toUpperCase(Locale.ROOT);
        boolean watch = request.uri().getQuery() != null && request.uri().getQuery().contains("watch=true");
        String key = (watch ? "WATCH" : method) + " " + resource;
        counters.computeIfAbsent(key, k -> Counter.builder("leasecron.api.requests")
                .description("Requests sent to the Kubernetes API by this replica")
                .tag("method", k.substring(0, k.indexOf(' '))).tag("resource", resource).register(registry)).increment();
    }
}
