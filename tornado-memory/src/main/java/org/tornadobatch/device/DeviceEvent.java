package org.tornadobatch.device;

/** A point in a stream's work; complete once everything queued before it has finished. */
public interface DeviceEvent {
    /** Whether the work recorded before this event has finished (without waiting). */
    boolean isComplete();

    /** Blocks until complete; rethrows (as {@link DeviceException}) a failure of the work it marks. */
    void synchronize();

    /** An event that is already complete. */
    DeviceEvent COMPLETE = new DeviceEvent() {
        @Override
        public boolean isComplete() {
            return true;
        }

        @Override
        public void synchronize() {
        }
    };
}
