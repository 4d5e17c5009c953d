package org.tornadobatch.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tornado-batch solve SYSTEM_FILE ... --out DIR}. */
@Command(name = "solve", mixinStandardHelpOptions = true,
        description = "Solves SYSTEM_FILE for a batch of runs and writes the results to --out.")
final class SolveCommand implements Callable<Integer> {

    /** Exit code while the solver is not built yet. */
    static final int EXIT_NOT_BUILT = 3;

    @Parameters(index = "0", paramLabel = "SYSTEM_FILE", description = "The system's equations (see examples/).")
    Path systemFile;

    @Option(names = "--sweep", paramLabel = "NAME=START:STOP:COUNT", description = "Sweep a variable over COUNT values.")
    List<String> sweeps = List.of();

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the results.")
    Path out;

    @Option(names = "--backend", paramLabel = "auto|jvm|cuda|tornadovm", defaultValue = "auto")
    String backend;

    @Override
    public Integer call() {
        System.err.println("tornado-batch solve: the solver is not built yet (it arrives with the tornado-solver issue); nothing was solved.");
        System.err.println("tornado-batch solve: run './tornado-env.sh --report' to see the backends this machine offers.");
        return EXIT_NOT_BUILT;
    }
}
