package org.tornadobatch.device;

import java.util.Objects;

/**
 * One parameter of a kernel: a device buffer (its element type, its {@link Direction}, whether its run axis is
 * chunked), a scalar, or a short vector passed by value (a C struct of {@code length} values on CUDA, a Java array
 * on the jvm). Parameters are named; a kernel's {@link KernelSignature} lists them in the order a positional
 * calling convention (CUDA's) passes them.
 */
public sealed interface KernelParameter {
    /** The parameter's name, unique within its signature. */
    String name();

    /** A device buffer: {@code element} values, moving as {@code direction} says; {@code chunked}: rows of one chunk's runs. */
    record Buffer(String name, ValueType element, Direction direction, boolean chunked) implements KernelParameter {
        /** Requires a name, an element type and a direction. */
        public Buffer {
            requireName(name);
            Objects.requireNonNull(element, "element");
            Objects.requireNonNull(direction, "direction");
        }
    }

    /** A scalar of {@code type}. */
    record Scalar(String name, ValueType type) implements KernelParameter {
        /** Requires a name and a type. */
        public Scalar {
            requireName(name);
            Objects.requireNonNull(type, "type");
        }
    }

    /** {@code length} values of {@code element} passed by value. */
    record Vector(String name, ValueType element, int length) implements KernelParameter {
        /** Requires a name, an element type and a positive length. */
        public Vector {
            requireName(name);
            Objects.requireNonNull(element, "element");
            if (length < 1) {
                throw new IllegalArgumentException("vector " + name + ": length " + length + " (expected: >= 1)");
            }
        }
    }

    private static void requireName(String name) {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("kernel parameter name: '" + name + "' (expected: a letter or _, then letters, digits, _)");
        }
    }
}
