package org.tornadobatch.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tornado-batch} command line: {@code solve} integrates a system for a batch of runs,
 * {@code devices} lists the device runtimes found.
 */
@Command(name = "tornado-batch",
        mixinStandardHelpOptions = true,
        versionProvider = TornadoBatch.Version.class,
        description = "Integrates one system of ODEs for many initial values and parameter sets at once.",
        subcommands = {SolveCommand.class, DevicesCommand.class, CommandLine.HelpCommand.class})
public final class TornadoBatch implements Callable<Integer> {

    /** Exit code for bad input (usage errors, bad files, bad values). */
    public static final int EXIT_BAD_INPUT = 2;

    /** Exit code of a solve whose results were written but where some runs failed (their reasons are in status.npy). */
    public static final int EXIT_RUNS_FAILED = 3;

    @CommandLine.Mixin
    Verbosity verbosity;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The command picocli fills in (see {@link #newCommandLine()}). */
    public TornadoBatch() {
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return EXIT_BAD_INPUT;
    }

    /** Runs the command line with {@code args} and exits with its code (0 on success; {@link #EXIT_BAD_INPUT}, {@link #EXIT_RUNS_FAILED}). */
    public static void main(String[] args) {
        configureLogging(java.util.Arrays.asList(args));
        System.exit(newCommandLine().execute(args));
    }

    /** The command line with the project's error handling; exposed for tests. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new TornadoBatch());
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("tornado-batch: " + ex.getMessage()
                    + " (see: " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parsed) -> {
            boolean bad = ex instanceof IllegalArgumentException || ex instanceof org.tornadobatch.system.SystemDefinitionException
                    || ex instanceof org.tornadobatch.memory.MemoryLimitExceededException
                    || ex instanceof org.tornadobatch.device.KernelTooLargeException;
            String message = ex.getMessage() != null ? ex.getMessage() : ex.toString();
            commandLine.getErr().println("tornado-batch: " + message);
            if (!bad) {
                org.slf4j.LoggerFactory.getLogger("tornado-batch").debug("failure", ex);
                return 1;
            }
            return EXIT_BAD_INPUT;
        });
        return cl;
    }

    /**
     * Points Logback at the command line's configuration unless the user chose one, at the level that {@code -v},
     * {@code -vv} or {@code --quiet} among {@code args} ask for.
     */
    static void configureLogging(java.util.List<String> args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "org/tornadobatch/cli/logback-cli.xml");
        }
        if (System.getProperty("tornadobatch.log.level") == null) {
            System.setProperty("tornadobatch.log.level", Verbosity.level(args));
        }
    }

    /** The version the build wrote into the jar's manifest (and, where known, into tornado-batch-version.properties). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tornado-batch " + version()};
        }

        static String version() {
            try (var in = TornadoBatch.class.getResourceAsStream("tornado-batch-version.properties")) {
                if (in != null) {
                    java.util.Properties p = new java.util.Properties();
                    p.load(in);
                    String v = p.getProperty("version", "");
                    if (!v.isBlank() && !v.startsWith("${")) {
                        return v;
                    }
                }
            } catch (java.io.IOException e) {
                // fall through to the manifest
            }
            String v = TornadoBatch.class.getPackage().getImplementationVersion();
            return v != null ? v : "(version unknown: not built by Maven)";
        }
    }
}
