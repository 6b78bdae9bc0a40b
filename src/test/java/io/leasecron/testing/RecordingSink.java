package io.leasecron.testing;

import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A catalogue sink that records "upsert id schedule" and "remove id" lines instead of scheduling. */
public final class RecordingSink implements JobCatalogue.Sink {
    public final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void upsert(JobSpec spec) {
        calls.add("upsert " + spec.id() + " " + spec.scheduleText());
    }

    @Override
    public void remove(JobId id) {
        calls.add("remove " + id);
    }
}
