package org.tornadobatch.solver.run;

/** A system property that forces a count (slices, parts): a whole number >= 1, or unset. */
public final class CountProperty {
    private CountProperty() {
    }

    /** The count {@code -Dname} forces, or 0 where it is unset; anything else than a whole number >= 1 is refused. */
    public static int forced(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            return 0;
        }
        int count;
        try {
            count = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + "=" + value + " (expected: a whole number >= 1)", e);
        }
        if (count < 1) {
            throw new IllegalArgumentException("-D" + name + "=" + value + " (expected: a whole number >= 1)");
        }
        return count;
    }
}
