package org.tornadobatch.device;

import java.util.Objects;

/** Whether a runtime can start here, and if not, why, in one line. */
public record Availability(boolean available, String reason) {
    /** Requires a description (why the runtime can or cannot start). */
    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    /** The runtime can start; {@code description} says on what. */
    public static Availability yes(String description) {
        return new Availability(true, description);
    }

    /** The runtime cannot start, for {@code reason}. */
    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
