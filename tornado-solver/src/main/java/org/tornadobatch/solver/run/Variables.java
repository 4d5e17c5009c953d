package org.tornadobatch.solver.run;

import java.util.ArrayList;
import java.util.List;

import org.tornadobatch.solver.output.OutputSpec;
import org.tornadobatch.system.OdeSystem;

/**
 * Which states and observables are saved and summarised. Saved: every state when {@code state} is an output,
 * every observable when {@code observables} is, narrowed to {@code saveVariables} when given. Summarised:
 * {@code summariseVariables} when given, else the saved variables, else every state (and every observable
 * when observables are an output).
 */
public record Variables(int[] savedStates, int[] savedObservables, int[] summarisedStates, int[] summarisedObservables) {

    /** Refuses outputs that name variables the system lacks. */
    public static void check(OdeSystem system, OutputSpec outputs) {
        resolve(system, outputs);
    }

    /** The saved and summarised variables of {@code o} for {@code system}. */
    public static Variables resolve(OdeSystem system, OutputSpec o) {
        List<String> states = system.stateNames();
        List<String> obs = system.observables();
        validate(system, o.saveVariables(), "save");
        validate(system, o.summariseVariables(), "summarise");
        int[] ss = o.state() ? select(states, o.saveVariables()) : new int[0];
        int[] so = o.observables() ? select(obs, o.saveVariables()) : new int[0];
        int[] ms = new int[0];
        int[] mo = new int[0];
        if (o.hasSummaries()) {
            if (o.summariseVariables() != null) {
                ms = select(states, o.summariseVariables());
                mo = select(obs, o.summariseVariables());
            } else if (ss.length + so.length > 0) {
                ms = ss;
                mo = so;
            } else {
                ms = select(states, null);
                mo = o.observables() ? select(obs, null) : new int[0];
            }
            if (ms.length + mo.length == 0) {
                throw new IllegalArgumentException("summarise variables: none selected (expected: at least one state or observable)");
            }
        }
        return new Variables(ss, so, ms, mo);
    }

    private static void validate(OdeSystem system, List<String> names, String what) {
        if (names == null) {
            return;
        }
        for (String n : names) {
            if (!system.stateNames().contains(n) && !system.observables().contains(n)) {
                throw new IllegalArgumentException(what + " variable '" + n + "' is not a state or observable of " + system.name()
                        + " (states " + system.stateNames() + ", observables " + system.observables() + ")");
            }
        }
    }

    private static int[] select(List<String> all, List<String> wanted) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (wanted == null || wanted.contains(all.get(i))) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The names of {@code all} at the indices {@code idx}. */
    static List<String> names(List<String> all, int[] idx) {
        List<String> out = new ArrayList<>();
        for (int i : idx) {
            out.add(all.get(i));
        }
        return out;
    }
}
