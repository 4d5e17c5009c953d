package org.tornadobatch.system;

/** Where a piece of an equation came from: source name (a file, or "equations"), line and column, 1-based. */
public record SourcePos(String source, int line, int column) {
    @Override
    public String toString() {
        return source + ":" + line + ":" + column;
    }
}
