package org.tornadobatch.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One system of ODEs, checked: states with defaults and one derivative each, parameters with defaults,
 * constants (compiled into kernels), auxiliaries in evaluation order, and the auxiliaries recorded as
 * observables. Immutable; {@link #withConstant} and {@link #withDefault} return changed copies.
 *
 * <p>Make one with {@link #parse(String, String)} (the file format, see the solver's README), {@link #load(Path)},
 * or {@link #builder(String)}:
 * <pre>{@code
 * OdeSystem lorenz = OdeSystem.builder("lorenz")
 *         .state("x", 1).state("y", 0).state("z", 0)
 *         .parameter("sigma", 10).parameter("rho", 28).constant("beta", 8.0 / 3)
 *         .equations("dx = sigma*(y - x)", "dy = x*(rho - z) - y", "dz = x*y - beta*z")
 *         .build();
 * }</pre>
 */
public final class OdeSystem {
    /**
     * The most states a system may have: a run keeps its state and its stages in registers (local variables of one
     * generated method), and past a few hundred states the kernels stop compiling in reasonable time.
     */
    public static final int MAX_STATES = 512;

    private final String name;
    private final List<Variable> states;
    private final List<Variable> parameters;
    private final Map<String, Double> constants;
    private final List<String> drivers;
    /** The equations as written (auxiliaries in evaluation order), before the constants are folded in. */
    private final List<Equation> writtenAuxiliaries;
    private final List<Equation> writtenDerivatives;
    private final List<Equation> auxiliaries;
    private final List<Equation> derivatives;
    private final List<String> observables;
    private final String sourceText;

    /**
     * {@code auxiliaries} and {@code derivatives} as written: the constants are folded in here, so that a system
     * with a changed constant ({@link #withConstant}) is the system whose file declares that value.
     */
    OdeSystem(String name, List<Variable> states, List<Variable> parameters, Map<String, Double> constants, List<String> drivers,
              List<Equation> auxiliaries, List<Equation> derivatives, List<String> observables, String sourceText) {
        this.name = name;
        this.states = List.copyOf(states);
        this.parameters = List.copyOf(parameters);
        this.constants = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        this.drivers = List.copyOf(drivers);
        this.writtenAuxiliaries = List.copyOf(auxiliaries);
        this.writtenDerivatives = List.copyOf(derivatives);
        this.auxiliaries = fold(auxiliaries, constants);
        this.derivatives = fold(derivatives, constants);
        this.observables = List.copyOf(observables);
        this.sourceText = sourceText;
    }

    /** Folds the constants into {@code equations}; a part that comes out as NaN or infinite (1/0, exp(1000)) is refused. */
    private static List<Equation> fold(List<Equation> equations, Map<String, Double> constants) {
        List<Equation> out = new ArrayList<>();
        for (Equation e : equations) {
            Expr folded = Folding.fold(e.expression(), constants);
            folded.forEachNumber(n -> {
                if (!Double.isFinite(n.value())) {
                    throw new SystemDefinitionException(n.pos(), "this part of the equation of '" + e.name() + "' is " + n.value()
                            + " with the constants " + constants + " (expected: a finite number)");
                }
            });
            out.add(new Equation(e.name(), folded, e.pos()));
        }
        return List.copyOf(out);
    }

    /** Parses the file format; {@code source} names the text in error messages (a file name, or "equations"). */
    public static OdeSystem parse(String text, String source) {
        return SystemFile.parse(text, source);
    }

    /**
     * Reads and parses a system file (UTF-8, a byte-order mark allowed); its name (without extension) is the default
     * system name. A folder, a file that is not UTF-8 text, or an empty one is refused with a {@link SystemDefinitionException}.
     */
    public static OdeSystem load(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new SystemDefinitionException(null, file + " is a folder (expected: a system file such as examples/lorenz.ode)");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new SystemDefinitionException(null, file + " is not a text file in UTF-8 (expected: a system file such as"
                    + " examples/lorenz.ode)");
        }
        if (text.indexOf('\0') >= 0) {
            throw new SystemDefinitionException(null, file + " holds NUL characters: it is not a text file (expected: a system"
                    + " file such as examples/lorenz.ode)");
        }
        return parse(text, file.toString());
    }

    /** A builder of a system called {@code name}, declared piece by piece from Java. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The system's name. */
    public String name() {
        return name;
    }

    /** The states with their default initial values, in declaration order. */
    public List<Variable> states() {
        return states;
    }

    /** The parameters with their default values, in declaration order. */
    public List<Variable> parameters() {
        return parameters;
    }

    /** Constant name to value, in declaration order. */
    public Map<String, Double> constants() {
        return constants;
    }

    /**
     * Names of the drivers: inputs sampled in time, read in the equations by name and interpolated between samples
     * given with each solve ({@code org.tornadobatch.solver.Drivers}).
     */
    public List<String> drivers() {
        return drivers;
    }

    /** Auxiliaries in an order where each comes after those it uses, with the constants folded in. */
    public List<Equation> auxiliaries() {
        return auxiliaries;
    }

    /** Derivatives, one per state, in state order, with the constants folded in; {@code name()} is the state's name. */
    public List<Equation> derivatives() {
        return derivatives;
    }

    /** Names of the auxiliaries recorded as observables. */
    public List<String> observables() {
        return observables;
    }

    /** The states' names, in declaration order. */
    public List<String> stateNames() {
        return states.stream().map(Variable::name).toList();
    }

    /** The parameters' names, in declaration order. */
    public List<String> parameterNames() {
        return parameters.stream().map(Variable::name).toList();
    }

    /** The text this system was parsed from, or a canonical rendering of a built one (recorded with results). */
    public String sourceText() {
        return sourceText;
    }

    /**
     * The same system with constant {@code name} set to {@code value}, folded into its equations as if the file had
     * declared it (compiled in by the next solve).
     */
    public OdeSystem withConstant(String name, double value) {
        if (!constants.containsKey(name)) {
            throw new IllegalArgumentException("constant: " + name + " (expected: one of " + constants.keySet() + ")");
        }
        requireFinite("constant " + name, value);
        Map<String, Double> c = new LinkedHashMap<>(constants);
        c.put(name, value);
        return new OdeSystem(this.name, states, parameters, c, drivers, writtenAuxiliaries, writtenDerivatives, observables, sourceText);
    }

    /** Refuses NaN and infinities, which would fail every run, naming {@code what}. */
    static void requireFinite(String what, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(what + ": " + value + " (expected: a finite number)");
        }
    }

    /** The same system with the default of state or parameter {@code name} set to {@code value}. */
    public OdeSystem withDefault(String name, double value) {
        List<Variable> s = replace(states, name, value);
        List<Variable> p = replace(parameters, name, value);
        if (s == states && p == parameters) {
            throw new IllegalArgumentException("variable: " + name + " (expected: a state " + stateNames() + " or a parameter "
                    + parameterNames() + ")");
        }
        requireFinite(name, value);
        return new OdeSystem(this.name, s, p, constants, drivers, writtenAuxiliaries, writtenDerivatives, observables, sourceText);
    }

    private static List<Variable> replace(List<Variable> vars, String name, double value) {
        List<Variable> out = new ArrayList<>(vars);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).name().equals(name)) {
                out.set(i, new Variable(name, value, out.get(i).pos()));
                return out;
            }
        }
        return vars;
    }

    /** A fingerprint of everything that goes into a kernel (equations and constants). */
    public String fingerprint() {
        StringBuilder sb = new StringBuilder(name).append('|');
        states.forEach(v -> sb.append(v.name()).append(','));
        sb.append('|');
        parameters.forEach(v -> sb.append(v.name()).append(','));
        sb.append('|').append(constants).append('|').append(drivers).append('|');
        auxiliaries.forEach(e -> sb.append(e.name()).append('=').append(Printer.print(e.expression())).append(';'));
        derivatives.forEach(e -> sb.append('d').append(e.name()).append('=').append(Printer.print(e.expression())).append(';'));
        sb.append(observables);
        return sb.toString();
    }

    @Override
    public String toString() {
        return name + " (" + states.size() + " states, " + parameters.size() + " parameters, " + constants.size()
                + " constants, " + (drivers.isEmpty() ? "" : drivers.size() + " drivers, ") + observables.size() + " observables)";
    }

    /** Builds a system from declarations and equation strings; {@link #build()} checks everything. */
    public static final class Builder {
        private static final SourcePos API = new SourcePos("builder", 0, 0);
        private final String name;
        private final List<Variable> states = new ArrayList<>();
        private final List<Variable> parameters = new ArrayList<>();
        private final List<Variable> constants = new ArrayList<>();
        private final List<Variable> drivers = new ArrayList<>();
        private final List<String> observables = new ArrayList<>();
        private final List<SourcePos> observablePositions = new ArrayList<>();
        private final List<Equation> equations = new ArrayList<>();
        private int equationLine;
        private String sourceText;

        Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Declares a state and its default initial value. */
        public Builder state(String name, double defaultValue) {
            states.add(new Variable(name, defaultValue, API));
            return this;
        }

        /** Declares a parameter (per run) and its default value. */
        public Builder parameter(String name, double defaultValue) {
            parameters.add(new Variable(name, defaultValue, API));
            return this;
        }

        /** Declares a constant, compiled into the kernel. */
        public Builder constant(String name, double value) {
            constants.add(new Variable(name, value, API));
            return this;
        }

        /** Declares a driver: an input sampled in time, read in the equations as {@code name}. */
        public Builder driver(String name) {
            drivers.add(new Variable(name, 0, API));
            return this;
        }

        /** Records the auxiliary {@code name} as an observable. */
        public Builder observable(String name) {
            observables.add(name);
            observablePositions.add(API);
            return this;
        }

        /** Adds equations, one {@code name = expression} each. */
        public Builder equations(String... lines) {
            for (String line : lines) {
                equationLine++;
                equations.add(SystemFile.equation(line, "equations", equationLine, 0));
            }
            return this;
        }

        Builder declare(String kind, Variable v) {
            switch (kind) {
                case "states" -> states.add(v);
                case "parameters" -> parameters.add(v);
                case "constants" -> constants.add(v);
                case "drivers" -> drivers.add(v);
                default -> throw new IllegalArgumentException(kind);
            }
            return this;
        }

        Builder observable(String name, SourcePos pos) {
            observables.add(name);
            observablePositions.add(pos);
            return this;
        }

        Builder equation(Equation e) {
            equations.add(e);
            return this;
        }

        Builder sourceText(String text) {
            this.sourceText = text;
            return this;
        }

        /** Checks the definition and returns the system; see {@link SystemDefinitionException} for what is refused. */
        public OdeSystem build() {
            return SystemChecks.check(name, states, parameters, constants, drivers, observables, observablePositions, equations, sourceText);
        }
    }
}
