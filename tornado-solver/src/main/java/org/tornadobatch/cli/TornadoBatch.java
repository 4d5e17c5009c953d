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

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return EXIT_BAD_INPUT;
    }

    public static void main(String[] args) {
        configureLogging();
        System.exit(newCommandLine().execute(args));
    }

    /** The command line with the project's error handling; exposed for tests. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new TornadoBatch());
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("tornado-batch: " + ex.getMessage()
                    + " (see: tornado-batch " + ex.getCommandLine().getCommandName() + " --help)");
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parsed) -> {
            boolean bad = ex instanceof IllegalArgumentException || ex instanceof org.tornadobatch.system.SystemDefinitionException
                    || ex instanceof org.tornadobatch.memory.MemoryLimitExceededException;
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

    /** Points Logback at the command line's configuration unless the user chose one. */
    static void configureLogging() {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "org/tornadobatch/cli/logback-cli.xml");
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TornadoBatch.class.getPackage().getImplementationVersion();
            return new String[] {"tornado-batch " + (v == null ? "(development build)" : v)};
        }
    }
}
