package org.tornadobatch.testing;

import java.util.function.Supplier;

/** System properties set for the length of a call (the tests' -Dtornadobatch.slices, -Dtornadobatch.parts). */
public final class SystemProperties {
    private SystemProperties() {
    }

    /** Runs {@code call} with system property {@code name} set to {@code value}, restoring it afterwards. */
    public static <T> T with(String name, String value, Supplier<T> call) {
        String before = System.getProperty(name);
        System.setProperty(name, value);
        try {
            return call.get();
        } finally {
            if (before == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, before);
            }
        }
    }
}
