package org.tornadobatch.memory;

/** Whether owners' caps limit their allocations. */
public enum LimitMode {
    /** Only the device's free memory limits a solve; caps from explicit proportions are still enforced. */
    PASSIVE,
    /** Every owner's cap is enforced. */
    ACTIVE
}
