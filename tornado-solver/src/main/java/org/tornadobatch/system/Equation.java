package org.tornadobatch.system;

import java.util.Objects;

/** {@code name = expression}: a derivative ({@code dx}, for state {@code x}) or an auxiliary. */
public record Equation(String name, Expr expression, SourcePos pos) {
    /** Checks that the name and expression are given. */
    public Equation {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(expression, "expression");
    }
}
