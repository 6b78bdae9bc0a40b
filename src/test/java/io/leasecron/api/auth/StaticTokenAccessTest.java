package io.leasecron.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leasecron.job.JobId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StaticTokenAccessTest {
    static final ApiRequest.Mutation TRIGGER = new ApiRequest.Mutation(new JobId("billing", "nightly"), ApiRequest.Verb.trigger);

    @Test
    void the_configured_token_is_let_through_as_the_api_token_caller() {
        StaticTokenAccess access = new StaticTokenAccess(Optional.of("s3cret"));
        assertEquals(new Verdict.Allowed("api-token"), access.check("s3cret", TRIGGER));
        assertEquals(new Verdict.Allowed("api-token"), access.check("s3cret", null));
    }

    @Test
    void another_token_a_prefix_or_none_is_401() {
        StaticTokenAccess access = new StaticTokenAccess(Optional.of("s3cret"));
        Verdict wrong = new Verdict.Refused(401, null, "the bearer token is not the value of LEASECRON_API_TOKEN");
        assertEquals(wrong, access.check("s3cre", TRIGGER));
        assertEquals(wrong, access.check("s3cret2", TRIGGER));
        assertEquals(wrong, access.check("S3CRET", TRIGGER));
        assertEquals(wrong, access.check("", TRIGGER));
        assertEquals(new Verdict.Refused(401, null, "send the value of LEASECRON_API_TOKEN as Authorization: Bearer <token>"),
                access.check(null, TRIGGER));
    }

    @Test
    void without_a_configured_token_every_change_is_401_naming_the_setting() {
        String message = "this replica accepts no changes over the API until LEASECRON_API_TOKEN is set (local mode): set it,"
                + " restart, and send it as Authorization: Bearer <token>";
        for (Optional<String> unset : java.util.List.of(Optional.<String>empty(), Optional.of(""))) {
            StaticTokenAccess access = new StaticTokenAccess(unset);
            assertEquals(new Verdict.Refused(401, null, message), access.check("anything", TRIGGER));
            assertEquals(new Verdict.Refused(401, null, message), access.check(null, TRIGGER));
            assertEquals(new Verdict.Refused(401, null, message), access.check("", TRIGGER));
        }
    }
}
