package io.leasecron.job;

import java.util.List;

/**
 * A check of a parsed spec that needs the world outside this process, such as the API server's dry run of a
 * {@code kubernetesJob} template. The catalogue runs it outside its lock, only for specs whose text changed.
 */
@FunctionalInterface
public interface SpecCheck {
    /** Checks nothing. */
    SpecCheck NONE = spec -> List.of();

    /**
     * Why {@code spec} is invalid; empty when it passed, and also when it could not be checked now (the check logs
     * that): a check that cannot reach its judge must never mark a job invalid.
     */
    List<String> problems(JobSpec spec);
}
