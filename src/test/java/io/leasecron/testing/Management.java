package io.leasecron.testing;

import io.quarkus.test.common.http.TestHTTPResourceManager;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import java.net.URI;

/**
 * Requests to the management interface of the service a {@code @QuarkusTest} runs: probes and metrics are served
 * there, on a port of their own, not on the API port RestAssured uses by default.
 */
public final class Management {
    private Management() {
    }

    /** The management port the running service bound (a random one in tests: {@code quarkus.management.test-port=0}). */
    public static int port() {
        return URI.create(TestHTTPResourceManager.getManagementUri()).getPort();
    }

    /** A RestAssured request to the management port: {@code Management.given().get("/q/metrics")}. */
    public static RequestSpecification given() {
        return RestAssured.given().port(port());
    }
}
