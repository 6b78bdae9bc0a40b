package io.leasecron.simulation;

import io.leasecron.execution.HttpTransport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One replica process's network in a simulation, under the real {@code HttpActionRunner}: each request the runner
 * sends is an exchange that the simulation moves on one event at a time ({@link #advance}). Before anything is
 * written the connection may be refused (provably not sent); once the head is written the request has reached the
 * {@link SimTarget}; then the target answers, fails, hangs, or reads the request and closes the connection
 * without answering (the case in which a resend would be a second delivery). A process that dies takes its
 * exchanges with it: what was not written never arrives.
 */
final class SimTransport implements HttpTransport {
    enum Stage {
        CONNECTING, WRITTEN, HUNG, ENDED
    }

    /** How an exchange moves on: decided by the simulation's seed. */
    enum Move {
        REFUSED, WRITE, ANSWER_200, ANSWER_500, CLOSE_AFTER_READ, HANG
    }

    /** One request on its way. */
    final class Flight implements Exchange {
        final Request request;
        final Listener listener;
        Stage stage = Stage.CONNECTING;

        Flight(Request request, Listener listener) {
            this.request = request;
            this.listener = listener;
        }

        @Override
        public void abort() {
            stage = Stage.ENDED;
        }

        @Override
        public String toString() {
            return request.headers().get("Leasecron-Job") + "@" + request.headers().get("Leasecron-Scheduled-Time") + " attempt "
                    + request.headers().get("Leasecron-Attempt") + " term " + request.headers().get("Leasecron-Term") + " " + stage;
        }
    }

    private final SimTarget target;
    private final Simulation.TrueTime time;
    private final String process;
    final List<Flight> flights = new ArrayList<>();

    SimTransport(SimTarget target, Simulation.TrueTime time, String process) {
        this.target = target;
        this.time = time;
        this.process = process;
    }

    @Override
    public Exchange send(Request request, Listener listener) {
        Flight f = new Flight(request, listener);
        flights.add(f);
        return f;
    }

    /** Exchanges that can move on: not hanging, not ended or aborted. */
    List<Flight> movable() {
        flights.removeIf(f -> f.stage == Stage.ENDED);
        List<Flight> out = new ArrayList<>();
        for (Flight f : flights) {
            if (f.stage != Stage.HUNG) {
                out.add(f);
            }
        }
        return out;
    }

    /** Moves {@code f} on: before it is written, {@code REFUSED} or {@code WRITE}; once written, an ending or a hang. */
    String advance(Flight f, Move move) {
        if (f.stage == Stage.CONNECTING) {
            if (move == Move.REFUSED) {
                f.stage = Stage.ENDED;
                f.listener.ended(new Outcome.Failed("connection refused (simulated)", false));
                return "refused " + f;
            }
            f.stage = Stage.WRITTEN;
            var h = f.request.headers();
            target.deliver(h.get("Leasecron-Job"), Instant.parse(h.get("Leasecron-Scheduled-Time")),
                    Integer.parseInt(h.get("Leasecron-Attempt")), Long.parseLong(h.get("Leasecron-Term")), h.get("Leasecron-Replica"),
                    h.get("Idempotency-Key"), process, time.nanos());
            f.listener.headWritten();
            return "written " + f;
        }
        String was = f.toString();
        switch (move) {
            case HANG -> f.stage = Stage.HUNG;
            case ANSWER_500 -> end(f, new Outcome.Answered(500, "simulated failure"));
            case CLOSE_AFTER_READ -> end(f, new Outcome.Failed("connection closed before any answer (simulated)", true));
            default -> end(f, new Outcome.Answered(200, ""));
        }
        return move + " " + was;
    }

    private static void end(Flight f, Outcome o) {
        f.stage = Stage.ENDED;
        f.listener.ended(o);
    }
}
