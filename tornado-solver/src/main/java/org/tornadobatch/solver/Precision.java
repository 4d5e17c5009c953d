package org.tornadobatch.solver;

import java.util.Locale;

import org.tornadobatch.memory.ElementType;

/** The floating-point type of states, parameters and results; time is always accumulated in float64. */
public enum Precision {
    /** Double precision (the default). */
    FLOAT64(ElementType.FLOAT64),
    /** Single precision: half the memory and faster on GPUs, for tolerances above about 1e-6. */
    FLOAT32(ElementType.FLOAT32);

    private final ElementType type;

    Precision(ElementType type) {
        this.type = type;
    }

    /** The element type of arrays in this precision. */
    public ElementType elementType() {
        return type;
    }

    /** The precision called {@code name} ({@code float64}/{@code double} or {@code float32}/{@code float}). */
    public static Precision of(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "float64", "double", "f64" -> FLOAT64;
            case "float32", "float", "single", "f32" -> FLOAT32;
            default -> throw new IllegalArgumentException("precision: " + name + " (expected: float64 or float32)");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
