package io.leasecron.housekeeping;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.net.URI;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;

/**
 * The API server's {@code Date} from {@code GET /version}: the cheapest request there is (a few hundred bytes, no
 * etcd read, allowed to every client by the default {@code system:public-info-viewer} role, so it needs no rule in
 * the service's Role). It goes through the service's own client, so it is counted in
 * {@code leasecron_api_requests_total{resource="other"}} and carries the replica's User-Agent.
 */
public final class ApiServerDate implements ServerDate {
    private final HttpClient http;
    private final URI version;

    public ApiServerDate(KubernetesClient client) {
        this.http = client.getHttpClient();
        String master = client.getConfiguration().getMasterUrl();
        this.version = URI.create(master.endsWith("/") ? master : master + "/").resolve("version");
    }

    @Override
    public Instant fetch() throws Exception {
        HttpRequest request = http.newHttpRequestBuilder().uri(version).timeout(5, TimeUnit.SECONDS).build();
        HttpResponse<String> response = http.sendAsync(request, String.class).get(10, TimeUnit.SECONDS);
        String date = response.header("Date");
        if (date == null) {
            throw new IllegalStateException("GET " + version + " answered HTTP " + response.code() + " without a Date header");
        }
        return ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    }
}
