package io.leasecron.observe;

import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import io.leasecron.engine.SkipReason;
import org.jboss.logging.Logger;

/**
 * One log line per finished attempt and per skipped slot, with job id, slot, replica, term and attempt, so the
 * log alone tells who fired what and why something did not run. Starts are logged at DEBUG.
 */
public final class ExecutionLog implements ExecutionListener {
    private static final Logger LOG = Logger.getLogger("io.leasecron.fires");

    @Override
    public void on(ExecutionEvent event) {
        if (event instanceof ExecutionEvent.FiredExecution e) {
            LOG.debugf("%s slot %s: attempt %d started on %s (term %d), %d ms late", e.job(), e.slot(), e.attempt(),
                    e.replica(), e.term(), e.lateness().toMillis());
        } else if (event instanceof ExecutionEvent.SucceededExecution e) {
            LOG.infof("%s slot %s: succeeded in %d ms on %s (term %d, attempt %d): %s", e.job(), e.slot(),
                    e.duration().toMillis(), e.replica(), e.term(), e.attempt(), e.detail());
        } else if (event instanceof ExecutionEvent.FailedExecution e) {
            LOG.warnf("%s slot %s: failed after %d ms on %s (term %d, attempt %d)%s: %s", e.job(), e.slot(),
                    e.duration().toMillis(), e.replica(), e.term(), e.attempt(), e.willRetry() ? ", will retry" : "", e.error());
        } else if (event instanceof ExecutionEvent.TimedOutExecution e) {
            LOG.warnf("%s slot %s: timed out after %d ms on %s (term %d, attempt %d)%s", e.job(), e.slot(),
                    e.timeout().toMillis(), e.replica(), e.term(), e.attempt(), e.willRetry() ? ", will retry" : "");
        } else if (event instanceof ExecutionEvent.SkippedExecution e) {
            if (e.reason() == SkipReason.NOT_LEADER || e.reason() == SkipReason.SUSPENDED) {
                LOG.debugf("%s slot %s: skipped (%s): %s", e.job(), e.slot(), e.reason().label(), e.detail());
            } else {
                LOG.infof("%s slot %s: skipped (%s): %s", e.job(), e.slot(), e.reason().label(), e.detail());
            }
        }
    }
}
