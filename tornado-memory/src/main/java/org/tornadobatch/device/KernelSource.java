package org.tornadobatch.device;

import java.util.Map;
import java.util.Objects;

/**
 * Source code of a kernel for a runtime to compile: its language ({@code "java"}, {@code "cuda"}, ...), the
 * entry point, the code and compiler options.
 */
public record KernelSource(String language, String entryPoint, String code, Map<String, String> options) {
    public KernelSource {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(entryPoint, "entryPoint");
        Objects.requireNonNull(code, "code");
        options = Map.copyOf(options);
    }
}
