package org.tornadobatch.tests;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import org.tornadobatch.cli.TornadoBatch;

import picocli.CommandLine;

/** The command line run in this JVM, as the launcher runs it, with what it printed on stderr. */
final class Cli {
    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + ": " + err + out;
        }
    }

    private Cli() {
    }

    static Run run(List<String> args) {
        CommandLine cl = TornadoBatch.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        int code = cl.execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static Run run(String... args) {
        return run(List.of(args));
    }

    /** What every refusal looks like: exit 2, one line, no trace, nothing that blames the tool. */
    static boolean isOneLineRefusal(Run r) {
        return r.exit() == 2 && r.err().lines().count() == 1 && r.err().startsWith("tornado-batch: ") && !r.err().contains("\tat ")
                && !r.err().contains("a bug in tornado-batch") && !r.err().contains("Exception");
    }
}
