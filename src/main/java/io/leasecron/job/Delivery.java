package io.leasecron.job;

/** What a new leader does with a slot the previous leader claimed but may not have dispatched. */
public enum Delivery {
    /** An uncertain slot is reported and never fired again: no slot ever runs twice. */
    AtMostOnce,
    /** An uncertain slot is fired again with the same {@code Idempotency-Key}: no slot is lost. */
    AtLeastOnce
}
