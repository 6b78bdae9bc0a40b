package io.leasecron.simulation;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation tier: many seeded runs of a whole cluster in one thread ({@link Simulation}), each
 * checked after every step. {@code -Dsim.seeds=N} sets how many seeds (from {@code -Dsim.from}, default 1),
 * {@code -Dsim.seed=S} replays one seed with every step traced. A failing seed prints the command that replays it
 * and the steps that led to the failure.
 */
class SimulationTest {
    static final int DEFAULT_SEEDS = 1000;
    private static Level before;

    @BeforeAll
    static void quiet() {
        // A run makes thousands of elections and fires; their logs would drown the report.
        Logger l = Logger.getLogger("io.leasecron");
        before = l.getLevel();
        l.setLevel(Level.OFF);
    }

    @AfterAll
    static void loud() {
        Logger.getLogger("io.leasecron").setLevel(before);
    }

    @Test
    void every_invariant_holds_in_every_seeded_run() {
        String one = System.getProperty("sim.seed");
        if (one != null && !one.isBlank()) {
            replay(Long.parseLong(one.trim()));
            return;
        }
        long from = Long.getLong("sim.from", 1);
        int seeds = Integer.getInteger("sim.seeds", DEFAULT_SEEDS);
        long started = System.nanoTime();
        long steps = 0;
        long terms = 0;
        long uncertain = 0;
        long slots = 0;
        for (long seed = from; seed < from + seeds; seed++) {
            Simulation sim = new Simulation(seed, Simulation.Config.DEFAULT, false);
            String failure = sim.run();
            steps += sim.steps();
            if (failure != null) {
                fail(report(seed, sim, failure));
            }
            terms += sim.result().terms();
            uncertain += sim.result().uncertainSlots();
            slots += sim.result().slotsStarted();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("simulation: %d seeds (%d..%d), %,d steps in %.1f s (%,.0f steps/s); %,d slots started, %,d terms, "
                + "%,d slots uncertain; 0 violations%n", seeds, from, from + seeds - 1, steps, seconds, steps / seconds, slots, terms,
                uncertain);
        assertTrue(steps > 0);
    }

    private static void replay(long seed) {
        Simulation sim = new Simulation(seed, Simulation.Config.DEFAULT, true);
        String failure = sim.run();
        List<String> trace = sim.trace();
        trace.forEach(System.out::println);
        if (failure != null) {
            fail(report(seed, sim, failure));
        }
        System.out.printf("simulation seed %d: %,d steps, every invariant held%n", seed, sim.steps());
    }

    private static String report(long seed, Simulation sim, String failure) {
        StringBuilder b = new StringBuilder();
        b.append("seed ").append(seed).append(" failed after ").append(sim.steps()).append(" steps: ").append(failure).append('\n');
        b.append("replay it, every step traced:  ./mvnw test -Dtest=SimulationTest -Dsim.seed=").append(seed).append('\n');
        b.append("the last steps:\n");
        for (String line : sim.trace()) {
            b.append("  ").append(line).append('\n');
        }
        return b.toString();
    }
}
