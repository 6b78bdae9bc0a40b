package io.leasecron.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void sensitive_parameter_values_are_masked_and_the_others_kept() {
        assertEquals("https://api.example.com/v1/export?api_key=***&x=1",
                Redaction.url("https://api.example.com/v1/export?api_key=abc123&x=1"));
        assertEquals("https://bucket.s3.amazonaws.com/o.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***"
                + "&X-Amz-Date=20261201T000000Z&X-Amz-Expires=900&X-Amz-Security-Token=***&X-Amz-Signature=***",
                Redaction.url(URI.create("https://bucket.s3.amazonaws.com/o.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                        + "&X-Amz-Credential=AKIA%2F20261201&X-Amz-Date=20261201T000000Z&X-Amz-Expires=900"
                        + "&X-Amz-Security-Token=FQo%3D&X-Amz-Signature=9f3e")));
        assertEquals("https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=***",
                Redaction.url("https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=Zm9vYmFy%3D"));
        assertEquals("http://h/p?access_token=***&client_secret=***&PASSWORD=***&page=2#top",
                Redaction.url("http://h/p?access_token=t1&client_secret=s2&PASSWORD=p3&page=2#top"));
        assertEquals("http://h/p?key=&q=abc123", Redaction.url("http://h/p?key=&q=abc123"), "an empty value; an ordinary name");
    }

    @Test
    void the_name_rule_is_substrings_or_whole_words_ignoring_case() {
        for (String name : List.of("token", "api_key", "apiKey", "APIKEY", "access_token", "X-Amz-Signature",
                "X-Amz-Credential", "client_secret", "password", "passwd", "pwd", "passphrase", "auth", "oauth_token",
                "Authorization", "sessionid", "JSESSIONID", "jwt", "sig", "X-Goog-Sig", "pass", "user.pw", "api%5Fkey")) {
            assertTrue(Redaction.sensitiveName(name), name);
        }
        for (String name : List.of("q", "page", "x", "user", "signal", "design", "bypass", "compass", "passenger",
                "X-Amz-Date", "sv", "sp", "id")) {
            assertFalse(Redaction.sensitiveName(name), name);
        }
    }

    @Test
    void user_info_is_masked_whole_in_a_url_even_with_an_at_sign_or_a_space_in_the_password() {
        assertEquals("https://***@example.com/hook", Redaction.url("https://user:pass@example.com/hook"));
        assertEquals("https://***@example.com", Redaction.url("https://ghp_abc123@example.com"));
        assertEquals("https://***@example.com/x?token=***", Redaction.url("https://u:p@ss w@example.com/x?token=t"));
        assertTrue(Redaction.hasUserInfo("https://user:pass@example.com/hook"));
        assertTrue(Redaction.hasUserInfo("http://user@example.com"));
        assertFalse(Redaction.hasUserInfo("https://example.com/users/%40me?mail=a%40b.c"));
        assertFalse(Redaction.hasUserInfo("no url at all"));
    }

    @Test
    void a_password_holding_a_hash_slash_or_question_mark_is_masked_whole_since_any_at_sign_means_user_info() {
        assertEquals("https://***@host/x", Redaction.url("https://user:p#ss@host/x"));
        assertEquals("https://***@host/x", Redaction.url("https://user:pa/ss@host/x"));
        assertEquals("https://***@host/x?token=***", Redaction.url("https://user:p?ss@host/x?token=t"));
        assertEquals("https://***@b.c", Redaction.url("https://example.com/users/@me?mail=a@b.c"), "an @ in the path is suspected too");
        for (String url : List.of("https://user:p#ss@host/x", "https://user:pa/ss@host/x", "https://user:p?ss@host/x",
                "https://example.com/users/@me")) {
            assertTrue(Redaction.hasUserInfo(url), url);
        }
        assertEquals("GET https://***@host/x failed; http.url \"https://***@host/x\" has no host; mail admin@example.com",
                Redaction.text("GET https://user:p#ss@host/x failed; http.url \"https://user:pa/ss@host/x\" has no host; "
                        + "mail admin@example.com"));
        assertEquals("see https://***@host/x?sig=***", Redaction.text("see https://user:p?ss@host/x?sig=s"));
    }

    @Test
    void urls_inside_free_text_are_found_and_the_rest_is_left_alone() {
        assertEquals("POST http://127.0.0.1:1/x?api_key=***&x=1 failed: ConnectException: connection to "
                        + "http://***@127.0.0.1:1/x?api_key=***&x=1 refused; mail admin@example.com",
                Redaction.text("POST http://127.0.0.1:1/x?api_key=abc123&x=1 failed: ConnectException: connection to "
                        + "http://u:pw@127.0.0.1:1/x?api_key=abc123&x=1 refused; mail admin@example.com"));
        assertEquals("HTTP 302, expected 2xx: see \"/login?next=/a&token=***\"",
                Redaction.text("HTTP 302, expected 2xx: see \"/login?next=/a&token=zz9\""));
        assertEquals("exit 1: a=b c=d", Redaction.text("exit 1: a=b c=d"));
        assertEquals(null, Redaction.text(null));
    }

    @Test
    void redacting_twice_changes_nothing() {
        String once = Redaction.text("GET https://u:p@h/p?api_key=abc123&sig=s&x=1 failed");
        assertEquals("GET https://***@h/p?api_key=***&sig=***&x=1 failed", once);
        assertEquals(once, Redaction.text(once));
        assertEquals(once.substring(4, once.indexOf(" failed")), Redaction.url(once.substring(4, once.indexOf(" failed"))));
    }

    @Test
    void secret_values_of_four_characters_or_more_are_replaced_wherever_they_appear() {
        assertEquals("invalid token <redacted> (abc)", Redaction.secretValues("invalid token s3cr3t (abc)", List.of("s3cr3t", "abc")));
    }
}
