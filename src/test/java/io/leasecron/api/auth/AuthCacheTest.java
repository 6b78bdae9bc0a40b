package io.leasecron.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.leasecron.testing.FakeClock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthCacheTest {
    final FakeClock clock = FakeClock.at("2026-12-01T00:00:00Z");

    @Test
    void an_answer_is_reused_for_the_time_to_live_and_not_a_moment_longer() {
        AuthCache<String> cache = new AuthCache<>(clock, Duration.ofSeconds(10), 4);
        cache.put("k", "alice");
        clock.advance(Duration.ofMillis(9_999));
        assertEquals(Optional.of("alice"), cache.get("k"));
        clock.advance(Duration.ofMillis(1));
        assertEquals(Optional.empty(), cache.get("k"));
        assertEquals(0, cache.size());
    }

    @Test
    void a_wall_clock_step_does_not_extend_or_cut_an_answer() {
        AuthCache<String> cache = new AuthCache<>(clock, Duration.ofSeconds(10), 4);
        cache.put("k", "alice");
        clock.stepWall(Duration.ofHours(-1));
        assertEquals(Optional.of("alice"), cache.get("k"));
        clock.stepWall(Duration.ofHours(2));
        assertEquals(Optional.of("alice"), cache.get("k"));
    }

    @Test
    void when_full_expired_answers_go_first_then_the_oldest() {
        AuthCache<String> cache = new AuthCache<>(clock, Duration.ofSeconds(10), 3);
        cache.put("a", "1");
        clock.advance(Duration.ofSeconds(6));
        cache.put("b", "2");
        cache.put("c", "3");
        clock.advance(Duration.ofSeconds(5)); // a expired, b and c not
        cache.put("d", "4");
        assertEquals(3, cache.size());
        assertEquals(Optional.of("2"), cache.get("b"));
        cache.put("e", "5"); // none expired: the oldest, b, goes
        assertEquals(3, cache.size());
        assertEquals(Optional.empty(), cache.get("b"));
        assertEquals(Optional.of("3"), cache.get("c"));
        assertEquals(Optional.of("4"), cache.get("d"));
        assertEquals(Optional.of("5"), cache.get("e"));
    }

    @Test
    void a_time_to_live_of_zero_stores_nothing() {
        AuthCache<String> cache = new AuthCache<>(clock, Duration.ZERO, 3);
        cache.put("a", "1");
        assertEquals(Optional.empty(), cache.get("a"));
        assertEquals(0, cache.size());
    }

    @Test
    void keys_stand_for_tokens_by_their_sha256_digest() {
        String digest = AuthCache.digest("secret-token");
        assertEquals(64, digest.length());
        assertFalse(digest.contains("secret"));
        assertEquals(AuthCache.digest("secret-token"), digest);
        assertFalse(digest.equals(AuthCache.digest("secret-tokeN")));
    }
}
