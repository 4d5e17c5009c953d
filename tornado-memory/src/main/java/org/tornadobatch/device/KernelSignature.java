package org.tornadobatch.device;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parameters of a kernel, in order, and what runtimes need to know about its launches besides them:
 * <ul>
 * <li>the launch's <em>work range</em>: two INT32 scalars {@code first} and {@code end}; thread {@code t} of a
 * launch works on item {@code first + t}, and threads at or past {@code end} do nothing;</li>
 * <li>optionally a <em>checked</em> INT32 buffer, whose element {@code i} the kernel writes for every item
 * {@code i} of the range, so that a runtime that cannot see a failed launch (TornadoVM) can mark some of them
 * beforehand and find them still marked.</li>
 * </ul>
 * Runtimes that pass scalars in two small arrays (TornadoVM: one execution plan serves every launch) use the
 * {@linkplain #intSlot packing} defined here: INT32 scalars in order into an int array, every other scalar and
 * vector element in order into a double array (INT64 values up to 2^53 stay exact).
 */
public final class KernelSignature {
    private final List<KernelParameter> parameters;
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final Map<String, Integer> slots = new LinkedHashMap<>();
    private final String first;
    private final String end;
    private final String checked;
    private final int ints;
    private final int reals;

    private KernelSignature(List<KernelParameter> parameters, String first, String end, String checked) {
        this.parameters = List.copyOf(parameters);
        int i = 0;
        int in = 0;
        int re = 0;
        for (KernelParameter p : this.parameters) {
            if (index.put(p.name(), i++) != null) {
                throw new IllegalArgumentException("kernel parameter " + p.name() + " is declared twice");
            }
            switch (p) {
                case KernelParameter.Scalar s when s.type() == ValueType.INT32 -> slots.put(p.name(), in++);
                case KernelParameter.Scalar s -> slots.put(p.name(), re++);
                case KernelParameter.Vector v -> {
                    slots.put(p.name(), re);
                    re += v.length();
                }
                case KernelParameter.Buffer b -> { }
            }
        }
        this.ints = in;
        this.reals = re;
        this.first = requireScalar(first, "first");
        this.end = requireScalar(end, "end");
        this.checked = checked;
        if (checked != null && !(parameter(checked) instanceof KernelParameter.Buffer b && b.element() == ValueType.INT32 && b.direction().written())) {
            throw new IllegalArgumentException("checked buffer " + checked + " (expected: an INT32 buffer the kernel writes)");
        }
    }

    private String requireScalar(String name, String role) {
        if (name == null) {
            return null;
        }
        if (!(parameter(name) instanceof KernelParameter.Scalar s && s.type() == ValueType.INT32)) {
            throw new IllegalArgumentException("work range " + role + ": " + name + " (expected: an INT32 scalar parameter)");
        }
        return name;
    }

    /** A builder of a signature, parameters in positional order. */
    public static Builder builder() {
        return new Builder();
    }

    /** The parameters in order. */
    public List<KernelParameter> parameters() {
        return parameters;
    }

    /** The parameter named {@code name}. */
    public KernelParameter parameter(String name) {
        return parameters.get(position(name));
    }

    /** Whether a parameter is named {@code name}. */
    public boolean has(String name) {
        return index.containsKey(name);
    }

    /** The position of {@code name} among the parameters. */
    public int position(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException("kernel parameter: " + name + " (expected one of " + index.keySet() + ")");
        }
        return i;
    }

    /** The buffer parameters in order. */
    public List<KernelParameter.Buffer> buffers() {
        List<KernelParameter.Buffer> out = new ArrayList<>();
        parameters.forEach(p -> {
            if (p instanceof KernelParameter.Buffer b) {
                out.add(b);
            }
        });
        return out;
    }

    /** The INT32 scalar that holds the first item of a launch's work range, or null when none is declared. */
    public String first() {
        return first;
    }

    /** The INT32 scalar that holds the end (exclusive) of a launch's work range, or null when none is declared. */
    public String end() {
        return end;
    }

    /** The checked buffer (see the class comment), or null. */
    public String checked() {
        return checked;
    }

    /** The slot of an INT32 scalar in the packed int array. */
    public int intSlot(String name) {
        requirePacked(name, true);
        return slots.get(name);
    }

    /** The slot of a non-INT32 scalar, or of a vector's first element, in the packed double array. */
    public int realSlot(String name) {
        requirePacked(name, false);
        return slots.get(name);
    }

    private void requirePacked(String name, boolean integer) {
        KernelParameter p = parameter(name);
        boolean isInt = p instanceof KernelParameter.Scalar s && s.type() == ValueType.INT32;
        if (p instanceof KernelParameter.Buffer || isInt != integer) {
            throw new IllegalArgumentException("kernel parameter " + name + " is not packed into the " + (integer ? "int" : "double")
                    + " array (INT32 scalars go to the int array, other scalars and vectors to the double array)");
        }
    }

    /** Length of the packed int array. */
    public int intSlots() {
        return ints;
    }

    /** Length of the packed double array. */
    public int realSlots() {
        return reals;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelSignature k && k.parameters.equals(parameters) && Objects.equals(k.first, first)
                && Objects.equals(k.end, end) && Objects.equals(k.checked, checked);
    }

    @Override
    public int hashCode() {
        return Objects.hash(parameters, first, end, checked);
    }

    @Override
    public String toString() {
        return "KernelSignature" + parameters + (first == null ? "" : " range [" + first + ", " + end + ")")
                + (checked == null ? "" : " checked " + checked);
    }

    /** Collects the parameters in order. */
    public static final class Builder {
        private final List<KernelParameter> parameters = new ArrayList<>();
        private String first;
        private String end;
        private String checked;

        private Builder() {
        }

        /** Adds a buffer parameter of {@code element}s moving as {@code direction} says; {@code chunked}: its last axis holds the runs. */
        public Builder buffer(String name, ValueType element, Direction direction, boolean chunked) {
            return add(new KernelParameter.Buffer(name, element, direction, chunked));
        }

        /** Adds a scalar parameter of {@code type}. */
        public Builder scalar(String name, ValueType type) {
            return add(new KernelParameter.Scalar(name, type));
        }

        /** Adds a vector parameter of {@code length} values of {@code element} type, passed by value. */
        public Builder vector(String name, ValueType element, int length) {
            return add(new KernelParameter.Vector(name, element, length));
        }

        /** Adds parameter {@code p} after those added so far. */
        public Builder add(KernelParameter p) {
            parameters.add(Objects.requireNonNull(p, "parameter"));
            return this;
        }

        /** Declares the work range: INT32 scalars {@code first} and {@code end} (exclusive). */
        public Builder workRange(String first, String end) {
            this.first = Objects.requireNonNull(first, "first");
            this.end = Objects.requireNonNull(end, "end");
            return this;
        }

        /** Declares the checked buffer (needs a work range). */
        public Builder checked(String buffer) {
            this.checked = Objects.requireNonNull(buffer, "buffer");
            return this;
        }

        /** The signature; names must be distinct, and the work range and the checked status must name parameters added. */
        public KernelSignature build() {
            if (checked != null && first == null) {
                throw new IllegalArgumentException("checked buffer " + checked + " needs a work range (workRange)");
            }
            return new KernelSignature(parameters, first, end, checked);
        }
    }
}
