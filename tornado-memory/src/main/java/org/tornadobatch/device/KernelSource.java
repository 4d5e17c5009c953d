package org.tornadobatch.device;

import java.util.Map;
import java.util.Objects;

/**
 * Source code of a kernel for a runtime to compile: its language ({@code "java"}, {@code "cuda"}, ...), the
 * entry point, the code, compiler options, and the parameters of its launches (in the order of the code's
 * positional parameters, where it has them).
 */
public record KernelSource(String language, String entryPoint, String code, Map<String, String> options, KernelSignature signature) {
    /** Requires the language, the entry point and the code; copies the options. */
    public KernelSource {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(entryPoint, "entryPoint");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(signature, "signature");
        options = Map.copyOf(options);
    }

    /** The same source with other compiler options. */
    public KernelSource withOptions(Map<String, String> options) {
        return new KernelSource(language, entryPoint, code, options, signature);
    }
}
