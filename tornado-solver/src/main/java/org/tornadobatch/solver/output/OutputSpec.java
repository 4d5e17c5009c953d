package org.tornadobatch.solver.output;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a solve records: the direct outputs ({@code state}, {@code observables}, {@code time}), the per-run step
 * statistics per save interval ({@code step_counts}, CuBIE's iteration counters: accepted, rejected and attempted
 * steps since the previous save), and the summary metrics, plus which variables to save and to summarise (null
 * means the default: every state, and every observable when observables are an output; summaries default to the
 * saved variables).
 */
public record OutputSpec(boolean state, boolean observables, boolean time, List<Metric> metrics, List<String> saveVariables,
                         List<String> summariseVariables, boolean stepCounts) {

    /** Copies the lists. */
    public OutputSpec {
        metrics = List.copyOf(metrics);
        saveVariables = saveVariables == null ? null : List.copyOf(saveVariables);
        summariseVariables = summariseVariables == null ? null : List.copyOf(summariseVariables);
        if (!state && !observables && !time && !stepCounts && metrics.isEmpty()) {
            throw new IllegalArgumentException("outputs: none (expected: at least one of state, observables, time, step_counts, or a metric)");
        }
        for (Metric.Kind kind : Metric.Kind.values()) {
            List<Metric> peaks = metrics.stream().filter(m -> m.kind() == kind && kind.counted()).toList();
            if (peaks.size() > 1) {
                int most = peaks.stream().mapToInt(Metric::peaks).max().getAsInt();
                throw new IllegalArgumentException("outputs: " + peaks + " (expected: " + kind.label() + "[n] once; " + kind.label() + "[" + most
                        + "] records the first " + most + ", which include the first of any smaller n)");
            }
        }
        if (new LinkedHashSet<>(metrics).size() != metrics.size()) {
            throw new IllegalArgumentException("outputs: " + metrics + " (expected: each metric once)");
        }
    }

    /** The default: the state trajectory. */
    public static OutputSpec stateOnly() {
        return new OutputSpec(true, false, false, List.of(), null, null, false);
    }

    /** Parses a list such as {@code state, time, mean, peaks[2]}; duplicates are ignored. */
    public static OutputSpec of(List<String> outputs) {
        boolean s = false;
        boolean o = false;
        boolean t = false;
        boolean c = false;
        Set<Metric> metrics = new LinkedHashSet<>();
        for (String out : outputs) {
            String n = out.trim().toLowerCase(Locale.ROOT);
            switch (n) {
                case "state" -> s = true;
                case "observables" -> o = true;
                case "time" -> t = true;
                case "step_counts", "iteration_counters" -> c = true;
                default -> metrics.addAll(Metric.parse(out));
            }
        }
        return new OutputSpec(s, o, t, new ArrayList<>(metrics), null, null, c);
    }

    /** The same outputs, saving only the variables {@code names} (states or observables). */
    public OutputSpec withSaveVariables(List<String> names) {
        return new OutputSpec(state, observables, time, metrics, names, summariseVariables, stepCounts);
    }

    /** The same outputs, summarising only the variables {@code names}. */
    public OutputSpec withSummariseVariables(List<String> names) {
        return new OutputSpec(state, observables, time, metrics, saveVariables, names, stepCounts);
    }

    /** Whether any summary metric is asked for. */
    public boolean hasSummaries() {
        return !metrics.isEmpty();
    }

    /** Output values per summarised variable. */
    public int slotsPerVariable() {
        return metrics.stream().mapToInt(Metric::slots).sum();
    }

    /** The names of the values per variable, in order (e.g. {@code mean, max, min, peak0}). */
    public List<String> slotNames() {
        List<String> out = new ArrayList<>();
        metrics.forEach(m -> out.addAll(m.slotNames()));
        return out;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (state) {
            parts.add("state");
        }
        if (observables) {
            parts.add("observables");
        }
        if (time) {
            parts.add("time");
        }
        if (stepCounts) {
            parts.add("step_counts");
        }
        metrics.forEach(m -> parts.add(m.toString()));
        return String.join(", ", parts);
    }
}
