package io.leasecron.bench;

import java.time.Instant;
import java.util.Date;
import java.util.Properties;
import org.quartz.CronScheduleBuilder;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;

/** Quartz (the version the pom pins) with RAMJobStore and 8 worker threads (as many as leasecron's dispatch threads). */
final class QuartzPeer implements Peer {
    static volatile Samples samples;
    static volatile Instant burstAt;
    private final Scheduler scheduler;

    QuartzPeer() throws Exception {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "bench");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", "8");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        scheduler = new StdSchedulerFactory(p).getScheduler();
    }

    /** The no-op job: records lateness against the trigger's scheduled fire time (Quartz has millisecond resolution). */
    public static final class NoOp implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            Samples s = samples;
            if (s != null) {
                Instant due = burstAt != null ? burstAt : context.getScheduledFireTime().toInstant();
                s.add(java.time.Duration.between(due, Instant.now()).toNanos() / 1000);
            }
        }
    }

    @Override
    public String name() {
        return "Quartz " + org.quartz.core.QuartzScheduler.getVersionMajor() + "." + org.quartz.core.QuartzScheduler.getVersionMinor() + "." + org.quartz.core.QuartzScheduler.getVersionIteration() + " (RAMJobStore)";
    }

    @Override
    public void everyMinuteAtSpreadSeconds(int count, Samples lateness) throws Exception {
        burstAt = null;
        samples = lateness;
        for (int i = 0; i < count; i++) {
            schedule(i, TriggerBuilder.newTrigger().withIdentity("t" + i)
                    .withSchedule(CronScheduleBuilder.cronSchedule((i % 60) + " * * * * ?")).build());
        }
        scheduler.start();
    }

    @Override
    public void burstAt(int count, Instant at, Samples lateness) throws Exception {
        burstAt = at;
        samples = lateness;
        for (int i = 0; i < count; i++) {
            schedule(i, TriggerBuilder.newTrigger().withIdentity("t" + i).startAt(Date.from(at)).build());
        }
        scheduler.start();
    }

    @Override
    public void registerOnly(int count) throws Exception {
        samples = null;
        for (int i = 0; i < count; i++) {
            schedule(i, TriggerBuilder.newTrigger().withIdentity("t" + i).withSchedule(CronScheduleBuilder.cronSchedule(
                    "0 " + (i % 60) + " " + (i / 60 % 24) + " ? * " + (i % 7 + 1))).build());
        }
    }

    private void schedule(int i, Trigger trigger) throws Exception {
        JobDetail job = JobBuilder.newJob(NoOp.class).withIdentity("job-" + i).build();
        scheduler.scheduleJob(job, trigger);
    }

    @Override
    public void clear() throws Exception {
        scheduler.standby();
        scheduler.deleteJobs(new java.util.ArrayList<>(scheduler.getJobKeys(GroupMatcher.anyJobGroup())));
        samples = null;
    }

    @Override
    public void close() throws Exception {
        scheduler.shutdown(true);
    }
}
