package org.tornadobatch.device;

/** A complete event carrying the host clock ({@link System#nanoTime()}) when it was recorded. */
public record HostClockEvent(long nanos) implements DeviceEvent {
    @Override
    public boolean isComplete() {
        return true;
    }

    @Override
    public void synchronize() {
    }
}
