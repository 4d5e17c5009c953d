package org.tornadobatch.device;

/**
 * How a kernel's array moves between host and device around its launches: read by the kernel ({@link #IN}: sent
 * before every launch), written by it ({@link #OUT}: brought back after), both ({@link #IN_OUT}), or read and the
 * same for every launch of a solve ({@link #CONSTANT}: sent once). Runtimes whose transfers are declared ahead of
 * the launches (TornadoVM's task graphs) derive them from it; the memory manager's requests carry it.
 */
public enum Direction {
    /** Read by the kernel: sent before every launch. */
    IN,
    /** Written by the kernel: brought back after. */
    OUT,
    /** Read and written. */
    IN_OUT,
    /** Read, and the same for every launch of a solve: sent once. */
    CONSTANT;

    /** Whether the device reads the array: IN, IN_OUT and CONSTANT. */
    public boolean read() {
        return this != OUT;
    }

    /** Whether the device writes the array: OUT and IN_OUT. */
    public boolean written() {
        return this == OUT || this == IN_OUT;
    }
}
