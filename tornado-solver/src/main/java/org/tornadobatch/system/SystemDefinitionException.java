package org.tornadobatch.system;

import org.tornadobatch.TornadoBatchException;

/**
 * A system definition that cannot be used: a syntax error, an unknown symbol, a state without a derivative,
 * a derivative without a state, a duplicate or reserved name, a cycle among auxiliaries. The message starts
 * with {@code source:line:column} where the problem is.
 */
public final class SystemDefinitionException extends TornadoBatchException {
    /** Where in the system's text the error is. */
    private final SourcePos pos;

    /** An error in a system's text at {@code pos}, described by {@code message}. */
    public SystemDefinitionException(SourcePos pos, String message) {
        super(pos == null ? message : pos + ": " + message);
        this.pos = pos;
    }

    /** Where the problem is, or null when it is not one place (e.g. a missing derivative of a builder state). */
    public SourcePos pos() {
        return pos;
    }
}
