package org.tornadobatch.device;

import java.util.Arrays;
import java.util.Objects;

/**
 * The values of one launch, one for every parameter of a {@link KernelSignature}, checked against it: a device
 * buffer (or null: absent, the kernel does not touch it) for each buffer parameter, a value of the declared type
 * for each scalar, an array of the declared length for each vector. Immutable.
 *
 * <pre>{@code
 * LaunchArguments args = LaunchArguments.of(signature).buffer("x", dx).buffer("y", dy).int32("n", n).build();
 * runtime.launch(kernel, runtime.launchConfig(kernel, n), stream, args);
 * }</pre>
 */
public final class LaunchArguments {
    private final KernelSignature signature;
    private final Object[] values;

    private LaunchArguments(KernelSignature signature, Object[] values) {
        this.signature = signature;
        this.values = values;
    }

    /** A builder of arguments for {@code signature}. */
    public static Builder of(KernelSignature signature) {
        return new Builder(Objects.requireNonNull(signature, "signature"), null);
    }

    /** A builder that starts from these arguments (to change a few, e.g. the work range of the next launch). */
    public Builder toBuilder() {
        return new Builder(signature, values.clone());
    }

    /** The signature these arguments fill. */
    public KernelSignature signature() {
        return signature;
    }

    /** The buffer of buffer parameter {@code name}, or null when absent. */
    public DeviceBuffer buffer(String name) {
        return (DeviceBuffer) get(name, KernelParameter.Buffer.class);
    }

    /** The int32 scalar {@code name}. */
    public int int32(String name) {
        return (Integer) scalar(name, ValueType.INT32);
    }

    /** The int64 scalar {@code name}. */
    public long int64(String name) {
        return (Long) scalar(name, ValueType.INT64);
    }

    /** The float32 scalar {@code name}. */
    public float float32(String name) {
        return (Float) scalar(name, ValueType.FLOAT32);
    }

    /** The float64 scalar {@code name}. */
    public double float64(String name) {
        return (Double) scalar(name, ValueType.FLOAT64);
    }

    /** The values of vector parameter {@code name} (a copy), as doubles. */
    public double[] vector(String name) {
        return ((double[]) get(name, KernelParameter.Vector.class)).clone();
    }

    /**
     * The value of parameter {@code p} of the signature, for runtimes that marshal every parameter in order: a
     * {@link DeviceBuffer} or null, an Integer, Long, Float or Double, or a double[] (not to be modified).
     */
    public Object value(KernelParameter p) {
        return values[signature.position(p.name())];
    }

    /** A scalar of the packing (see {@link KernelSignature}) as a double: FLOAT32, FLOAT64 and INT64 scalars. */
    public double real(String name) {
        return ((Number) get(name, KernelParameter.Scalar.class)).doubleValue();
    }

    private Object scalar(String name, ValueType type) {
        return values[signature.position(requireScalar(signature, name, type).name())];
    }

    private Object get(String name, Class<? extends KernelParameter> kind) {
        return values[signature.position(requireKind(signature, name, kind).name())];
    }

    private static KernelParameter requireScalar(KernelSignature signature, String name, ValueType type) {
        KernelParameter p = signature.parameter(name);
        if (!(p instanceof KernelParameter.Scalar s) || s.type() != type) {
            throw new IllegalArgumentException("kernel parameter " + name + " is " + p + " (expected: a " + type + " scalar)");
        }
        return p;
    }

    private static KernelParameter requireKind(KernelSignature signature, String name, Class<? extends KernelParameter> kind) {
        KernelParameter p = signature.parameter(name);
        if (!kind.isInstance(p)) {
            throw new IllegalArgumentException("kernel parameter " + name + " is " + p + " (expected: a "
                    + kind.getSimpleName().toLowerCase(java.util.Locale.ROOT) + ")");
        }
        return p;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("LaunchArguments[");
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            sb.append(i == 0 ? "" : ", ").append(signature.parameters().get(i).name()).append('=')
                    .append(v instanceof double[] d ? Arrays.toString(d) : String.valueOf(v));
        }
        return sb.append(']').toString();
    }

    /** Sets every parameter once (or again, from {@link #toBuilder()}), then {@link #build()}. */
    public static final class Builder {
        private final KernelSignature signature;
        private final Object[] values;
        private final boolean[] set;

        private Builder(KernelSignature signature, Object[] values) {
            this.signature = signature;
            int n = signature.parameters().size();
            this.values = values != null ? values : new Object[n];
            this.set = new boolean[n];
            Arrays.fill(set, values != null);
        }

        /** The buffer of buffer parameter {@code name}; null: absent (the kernel does not touch it). */
        public Builder buffer(String name, DeviceBuffer buffer) {
            return put(name, requireKind(signature, name, KernelParameter.Buffer.class), buffer);
        }

        /** Sets int32 scalar {@code name} to {@code v}. */
        public Builder int32(String name, int v) {
            return put(name, requireScalar(signature, name, ValueType.INT32), v);
        }

        /** Sets int64 scalar {@code name} to {@code v}. */
        public Builder int64(String name, long v) {
            return put(name, requireScalar(signature, name, ValueType.INT64), v);
        }

        /** Sets float32 scalar {@code name} to {@code v}. */
        public Builder float32(String name, float v) {
            return put(name, requireScalar(signature, name, ValueType.FLOAT32), v);
        }

        /** Sets float64 scalar {@code name} to {@code v}. */
        public Builder float64(String name, double v) {
            return put(name, requireScalar(signature, name, ValueType.FLOAT64), v);
        }

        /** The values of vector parameter {@code name}: exactly its length (copied). */
        public Builder vector(String name, double... v) {
            KernelParameter.Vector p = (KernelParameter.Vector) requireKind(signature, name, KernelParameter.Vector.class);
            if (v.length != p.length()) {
                throw new IllegalArgumentException("vector " + name + ": " + v.length + " values (expected: " + p.length() + ")");
            }
            return put(name, p, v.clone());
        }

        private Builder put(String name, KernelParameter p, Object v) {
            int i = signature.position(name);
            values[i] = v;
            set[i] = true;
            return this;
        }

        /** The arguments; every parameter must have been set. */
        public LaunchArguments build() {
            StringBuilder missing = new StringBuilder();
            for (int i = 0; i < set.length; i++) {
                if (!set[i]) {
                    missing.append(missing.isEmpty() ? "" : ", ").append(signature.parameters().get(i).name());
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("launch arguments: no value for " + missing + " (every parameter of " + signature + " needs one)");
            }
            return new LaunchArguments(signature, values.clone());
        }
    }
}
