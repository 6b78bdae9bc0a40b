package io.leasecron.observe;

import io.leasecron.engine.Engine;
import io.leasecron.job.JobCatalogue;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * Each job's state as the catalogue and the engine have it at the scrape, labelled {@code job_id}: {@code
 * leasecron_job_next_fire_timestamp_seconds} (the engine's next slot) and {@code leasecron_job_invalid} (1 while
 * the job's current text is rejected). Read at scrape time, so nothing is kept per job and nothing can go stale.
 */
public final class JobStateMetrics extends Collector {
    private final JobCatalogue catalogue;
    private final Engine engine;

    public JobStateMetrics(JobCatalogue catalogue, Engine engine) {
        this.catalogue = catalogue;
        this.engine = engine;
    }

    public JobStateMetrics bindTo(CollectorRegistry registry) {
        registry.register(this);
        return this;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples.Sample> next = new ArrayList<>();
        List<MetricFamilySamples.Sample> invalid = new ArrayList<>();
        List<String> label = List.of("job_id");
        for (JobCatalogue.Entry e : catalogue.entries()) {
            List<String> job = List.of(e.id().toString());
            invalid.add(new MetricFamilySamples.Sample("leasecron_job_invalid", label, job, e.valid() ? 0 : 1));
            if (e.active().isPresent()) {
                engine.status(e.id()).flatMap(Engine.JobStatus::next).ifPresent(o -> next.add(new MetricFamilySamples.Sample(
                        "leasecron_job_next_fire_timestamp_seconds", label, job, ExecutionMetrics.seconds(o.time()))));
            }
        }
        return List.of(
                new MetricFamilySamples("leasecron_job_next_fire_timestamp_seconds", Type.GAUGE,
                        "The job's next slot as the engine has it (Unix seconds)", next),
                new MetricFamilySamples("leasecron_job_invalid", Type.GAUGE,
                        "1 while the job's current text is rejected, 0 while it is valid", invalid));
    }
}
