package io.leasecron.execution;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link HttpTransport} whose network is the test: it records every request sent and lets the test say, in its own
 * order and on its own thread, that a head was written and how each exchange ended.
 */
public final class ScriptedTransport implements HttpTransport {
    private final List<Sent> sent = new CopyOnWriteArrayList<>();

    /** One request handed to the transport, and the network's side of its exchange. */
    public static final class Sent implements Exchange {
        private final Request request;
        private final Listener listener;
        private volatile boolean aborted;

        Sent(Request request, Listener listener) {
            this.request = request;
            this.listener = listener;
        }

        public Request request() {
            return request;
        }

        public boolean aborted() {
            return aborted;
        }

        @Override
        public void abort() {
            aborted = true;
        }

        public void headWritten() {
            listener.headWritten();
        }

        public void answer(int status, String body) {
            listener.ended(new Outcome.Answered(status, body));
        }

        /** The exchange failed; {@code mayHaveReached}: whether the target may have received the request. */
        public void fail(String error, boolean mayHaveReached) {
            listener.ended(new Outcome.Failed(error, mayHaveReached));
        }
    }

    @Override
    public Exchange send(Request request, Listener listener) {
        Sent s = new Sent(request, listener);
        sent.add(s);
        return s;
    }

    /** Every request sent so far, oldest first. */
    public List<Sent> sent() {
        return List.copyOf(sent);
    }

    /** The latest request sent. */
    public Sent last() {
        if (sent.isEmpty()) {
            throw new AssertionError("nothing was sent");
        }
        return sent.get(sent.size() - 1);
    }
}
