package org.tornadobatch.system;

import java.util.Objects;

/** A declared state, parameter or constant with its default value, and where it was declared. */
public record Variable(String name, double defaultValue, SourcePos pos) {
    /** Requires a name. */
    public Variable {
        Objects.requireNonNull(name, "name");
    }
}
