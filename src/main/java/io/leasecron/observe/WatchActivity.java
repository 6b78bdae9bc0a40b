package io.leasecron.observe;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.leasecron.engine.Clock;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When each watch last started or delivered anything, by resource and namespace (a watch of every namespace under the
 * resource alone, see {@link #key}), as an interceptor of the Kubernetes client:
 * every chunk of bytes on an HTTP watch stream counts, an event or a bookmark alike (Fabric8 7.x asks for bookmarks
 * on every watch, {@code allowWatchBookmarks=true}, but hands them to no informer handler, so the bytes are the only
 * place they can be seen). Times are {@link Clock#nanoTime()} readings of the injected clock.
 *
 * <p>Limit: only HTTP watches ({@code LEASECRON_WATCHES=http}, the default) are seen; a WebSocket watch's messages do
 * not pass through interceptors, so with {@code websocket} watches nothing here is recorded after the start.
 */
public final class WatchActivity implements Interceptor {
    private static final Pattern NAMESPACED = Pattern.compile("^/(?:api/v1|apis/[^/]+/[^/]+)/namespaces/([^/]+)/[a-z]+");

    private final Clock clock;
    private final Map<String, Long> last = new ConcurrentHashMap<>();
    private final Map<String, Long> delivered = new ConcurrentHashMap<>();

    public WatchActivity(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        if (ApiRequestCounter.watch(request)) {
            touch(key(request));
        }
    }

    @Override
    public AsyncBody.Consumer<List<ByteBuffer>> consumer(AsyncBody.Consumer<List<ByteBuffer>> consumer, HttpRequest request) {
        if (!ApiRequestCounter.watch(request)) {
            return consumer;
        }
        String resource = key(request);
        return new AsyncBody.Consumer<>() {
            @Override
            public void consume(List<ByteBuffer> value, AsyncBody body) throws Exception {
                long now = clock.nanoTime();
                last.put(resource, now);
                delivered.put(resource, now);
                consumer.consume(value, body);
            }

            @Override
            public <U> U unwrap(Class<U> target) {
                return consumer.unwrap(target);
            }
        };
    }

    /**
     * What a watch's activity is recorded under: {@code <namespace>/<resource>} for a watch in one namespace
     * ({@code team-a/configmaps}), the resource alone for one of every namespace ({@code namespace} empty).
     */
    public static String key(String resource, String namespace) {
        return namespace == null || namespace.isEmpty() ? resource : namespace + "/" + resource;
    }

    private static String key(HttpRequest request) {
        Matcher m = NAMESPACED.matcher(request.uri().getPath());
        return key(ApiRequestCounter.resource(request), m.find() ? m.group(1) : "");
    }

    /** Records activity of a watch ({@link #key}) now: a start, a delivery, or a restart decided elsewhere. */
    public void touch(String resource) {
        last.put(resource, clock.nanoTime());
    }

    /** The {@link Clock#nanoTime()} of the latest delivery (bytes) on a watch ({@link #key}); empty before any. */
    public OptionalLong delivered(String resource) {
        Long t = delivered.get(resource);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /** The {@link Clock#nanoTime()} of the latest start or delivery of a watch ({@link #key}); empty before any. */
    public OptionalLong last(String resource) {
        Long t = last.get(resource);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }
}
