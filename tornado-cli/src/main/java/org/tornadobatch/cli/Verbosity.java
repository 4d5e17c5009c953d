package org.tornadobatch.cli;

import java.util.List;

import picocli.CommandLine.Option;

/**
 * {@code -v} (debug lines) and {@code -vv} (trace lines), and with {@code --quiet} warnings and errors only. The
 * level has to be chosen before the first logger exists, so {@link #level} reads it from the arguments before
 * picocli parses them; the option is declared here so that picocli accepts it and lists it in the help.
 */
final class Verbosity {
    @Option(names = {"-v", "--verbose"}, description = "More log lines: -v for debug, -vv for trace.")
    boolean[] verbose = new boolean[0];

    /** The Logback level the arguments ask for (INFO when they ask for none); the last of -v, -vv and --quiet wins. */
    static String level(List<String> args) {
        String level = "INFO";
        for (String a : args) {
            if (a.equals("--")) {
                break;
            }
            switch (a) {
                case "-v", "--verbose" -> level = "DEBUG";
                case "-vv", "-vvv" -> level = "TRACE";
                case "-q", "--quiet" -> level = "WARN";
                default -> { }
            }
        }
        return level;
    }
}
