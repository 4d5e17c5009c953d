package org.tornadobatch.device;

/**
 * A generated kernel past what a runtime's compiler accepts (the JVM's 64 KB of bytecode per method, say): the
 * system or its method is too big for that runtime. The message says what to change; it is an input's limit,
 * not a fault.
 */
public class KernelTooLargeException extends DeviceException {
    private static final long serialVersionUID = 1L;

    /** A kernel refused for its size, described by {@code message}, caused by {@code cause}. */
    public KernelTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}
