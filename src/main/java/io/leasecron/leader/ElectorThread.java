package io.leasecron.leader;

import org.jboss.logging.Logger;

/**
 * The thread that steps a {@link LeaderElector} whenever its next step is due or it is woken (a Lease change, a
 * claim, progress), until the elector is closed. It never dies of a failed step: it logs, waits a short backoff
 * and goes on.
 */
final class ElectorThread extends Thread {
    private static final Logger LOG = Logger.getLogger(LeaderElector.class);

    private final LeaderElector elector;
    private final long backoffMillis;

    ElectorThread(LeaderElector elector, long backoffMillis) {
        super("leasecron-elector");
        this.elector = elector;
        this.backoffMillis = backoffMillis;
        setDaemon(true);
    }

    @Override
    public void run() {
        while (true) {
            try {
                if (!elector.awaitStep(elector.step())) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                LOG.error("elector step failed; continuing", t);
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
