package io.leasecron.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuditAndHeaderTest {
    @Test
    void an_audit_line_names_caller_verb_job_namespace_request_outcome_and_message() {
        assertEquals("caller=\"system:serviceaccount:ci:deployer\" verb=trigger job=\"billing/nightly\" namespace=\"team-a\""
                + " request=\"POST /api/v1/jobs/team-a/billing/nightly:trigger\" outcome=202",
                AuditLog.line("system:serviceaccount:ci:deployer", "trigger", "billing/nightly", "team-a",
                        "POST /api/v1/jobs/team-a/billing/nightly:trigger", 202, null));
        assertEquals("caller=\"-\" verb=pause job=\"a/b\" namespace=\"jobs\" request=\"POST /api/v1/jobs/a/b:pause\" outcome=401"
                + " message=\"no token\"", AuditLog.line(null, "pause", "a/b", "jobs", "POST /api/v1/jobs/a/b:pause", 401, "no token"));
    }

    @Test
    void quoted_values_cannot_forge_a_line() {
        assertEquals("\"a\\\"b\\\\c\\u000a caller=\\\"root\\\"\"", AuditLog.quote("a\"b\\c\n caller=\"root\""));
    }

    @Test
    void a_pending_line_is_written_once() {
        AuditLog.Pending p = new AuditLog.Pending("POST x", "trigger", "a/b", "jobs");
        assertEquals(true, p.write(403, "no"));
        assertEquals(false, p.write(403, null));
    }

    @Test
    void the_bearer_token_is_read_from_one_authorization_header() {
        assertNull(ApiAuthFilter.bearer(null));
        assertNull(ApiAuthFilter.bearer(List.of()));
        assertEquals("abc.def", ApiAuthFilter.bearer(List.of("Bearer abc.def")));
        assertEquals("abc", ApiAuthFilter.bearer(List.of("bearer  abc ")));
        assertEquals("the Authorization header must be Bearer <token>, not Basic",
                assertThrows(IllegalArgumentException.class, () -> ApiAuthFilter.bearer(List.of("Basic dXNlcjpwYXNz"))).getMessage());
        assertEquals("the Authorization header has no token: send Authorization: Bearer <token>",
                assertThrows(IllegalArgumentException.class, () -> ApiAuthFilter.bearer(List.of("Bearer"))).getMessage());
        assertEquals("the Authorization header must be Bearer <token>",
                assertThrows(IllegalArgumentException.class, () -> ApiAuthFilter.bearer(List.of("dXNlcjpwYXNz"))).getMessage());
        assertEquals("the Authorization header has no token: send Authorization: Bearer <token>",
                assertThrows(IllegalArgumentException.class, () -> ApiAuthFilter.bearer(List.of("Bearer   "))).getMessage());
        assertEquals("send one Authorization header, as Authorization: Bearer <token>",
                assertThrows(IllegalArgumentException.class, () -> ApiAuthFilter.bearer(List.of("Bearer a", "Bearer b"))).getMessage());
    }
}
