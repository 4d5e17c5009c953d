package org.tornadobatch.device;

import java.util.Objects;

/** Whether a runtime can start here, and if not, why, in one line. */
public record Availability(boolean available, String reason) {
    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    public static Availability yes(String description) {
        return new Availability(true, description);
    }

    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
