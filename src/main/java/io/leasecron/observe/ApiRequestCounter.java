package io.leasecron.observe;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watches this replica's traffic with the Kubernetes API, as an interceptor of its client:
 * <ul>
 * <li>{@code leasecron_api_requests_total{method, resource, code}}: every request that got an answer, counted when
 * its status line arrives; the measure of what the service costs the API server (it must not grow with the number
 * of jobs) and of how the server answers. A request that gets no answer (refused connection, timeout) is not seen
 * by the interceptor (the client tells interceptors of those only when it retries, and this client does not).</li>
 * <li>{@code leasecron_watch_restarts_total{resource}}: watch requests after the first of each resource; the
 * service keeps one watch per resource (the ConfigMap informer, the Lease watch), so each later one is that watch
 * started again, after the server ended it or the connection failed.</li>
 * </ul>
 * Label values are bounded: methods and resources come from the client's fixed set of calls ({@code other} for any
 * path not of the API's form), and codes outside {@link #CODES} are reported by class ({@code 4xx}).
 */
public final class ApiRequestCounter implements Interceptor {
    private static final Pattern RESOURCE = Pattern.compile("/(?:api/v1|apis/[^/]+/[^/]+)(?:/namespaces/[^/]+)?/([a-z]+)");
    /** Statuses the API server documents for the calls this service makes, reported as they are. */
    static final Set<Integer> CODES = Set.of(101, 200, 201, 204, 400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 504);
    /** The resources the service watches; their restart counters exist from the start, at zero. */
    static final List<String> WATCHED = List.of("configmaps", "leases");

    private final MeterRegistry registry;
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Map<String, Counter> restarts = new ConcurrentHashMap<>();
    private final Set<String> watching = ConcurrentHashMap.newKeySet();

    public ApiRequestCounter(MeterRegistry registry) {
        this.registry = registry;
        WATCHED.forEach(this::restarts);
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        if (watch(request)) {
            String resource = resource(request);
            if (!watching.add(resource)) {
                restarts(resource).increment();
            }
        }
    }

    @Override
    public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        String method = watch(request) ? "WATCH" : request.method().toUpperCase(Locale.ROOT);
        String resource = resource(request);
        String code = code(response.code());
        requests.computeIfAbsent(method + " " + resource + " " + code, k -> Counter.builder("leasecron.api.requests")
                .description("Requests to the Kubernetes API answered, by method, resource and HTTP status")
                .tag("method", method).tag("resource", resource).tag("code", code).register(registry)).increment();
    }

    private Counter restarts(String resource) {
        return restarts.computeIfAbsent(resource, r -> Counter.builder("leasecron.watch.restarts")
                .description("Watches of the Kubernetes API started again after the first one of the process")
                .tag("resource", r).register(registry));
    }

    static String code(int code) {
        if (CODES.contains(code)) {
            return Integer.toString(code);
        }
        return code >= 100 && code < 600 ? code / 100 + "xx" : "other";
    }

    /** True for a watch request (a list with {@code watch=true}). */
    static boolean watch(HttpRequest request) {
        String query = request.uri().getQuery();
        return query != null && query.contains("watch=true");
    }

    /** The API resource a request is about ({@code configmaps}, {@code leases}, ...), {@code other} for any other path. */
    static String resource(HttpRequest request) {
        Matcher m = RESOURCE.matcher(request.uri().getPath());
        return m.find() ? m.group(1) : "other";
    }
}
