package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code examples/java-api} project as a user builds it: against the installed library (this build's jars are
 * installed into the local Maven repository first, as {@code mvn install} would), with nothing on its class path but
 * the solver, the memory module and slf4j-api; then run, and its Van der Pol amplitudes checked.
 */
class JavaApiExampleTest {
    @Test
    void theExampleBuildsFromTheInstalledLibraryAndRuns(@TempDir Path dir) throws Exception {
        Path root = Scripts.root();
        Path project = dir.resolve("java-api");
        Files.createDirectories(project);
        Files.copy(root.resolve("examples/java-api/pom.xml"), project.resolve("pom.xml"));
        try (var files = Files.walk(root.resolve("examples/java-api/src"))) {
            for (Path p : files.toList()) {
                Path to = project.resolve(root.resolve("examples/java-api").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        String script = """
                set -e
                source ./tornado-env.sh >/dev/null
                install() { mvn -B -q -N install:install-file -Dfile="$1" -DpomFile="$2"; }
                install pom.xml pom.xml
                for m in tornado-memory tornado-cuda tornado-solver; do
                  jar=$(ls "$m"/target/"$m"*.jar | grep -v -e '-sources' -e '-javadoc' -e '-tests' | head -1)
                  install "$jar" "$m/pom.xml"
                done
                cd "$PROJECT"
                mvn -B -q package dependency:tree -DoutputFile=tree.txt -Dscope=runtime
                cat tree.txt >&2
                java --enable-native-access=ALL-UNNAMED -cp "target/classes:$(cat target/classpath.txt)" org.tornadobatch.examples.VanDerPolSweep
                """;
        Scripts.Result r = Scripts.bash(script, Map.of("PROJECT", project.toString()));
        assertEquals(0, r.exitCode(), r::toString);

        List<String> tree = Files.readAllLines(project.resolve("tree.txt"));
        List<String> artifacts = tree.stream().skip(1).map(l -> l.replaceAll("^[| +\\\\-]*", "").replaceAll(":[^:]+:[^:]+:[^:]+$", ""))
                .sorted().toList();
        assertEquals(List.of("org.slf4j:slf4j-api", "org.tornadobatch:tornado-memory",
                "org.tornadobatch:tornado-solver"), artifacts, "the library brings nothing else: " + tree);

        // Van der Pol's limit cycle has an amplitude of 2 for small mu, rising to about 2.02 (Andersen and Geer 1982).
        Matcher m = Pattern.compile("mu = +([0-9.]+) +amplitude = ([0-9.]+)").matcher(r.stdout());
        int lines = 0;
        while (m.find()) {
            double amplitude = Double.parseDouble(m.group(2));
            assertTrue(amplitude > 1.99 && amplitude < 2.03, m.group() + "\n" + r);
            lines++;
        }
        assertEquals(10, lines, r::toString);
        assertTrue(r.stdout().contains("runs 1000, failed 0"), r::toString);
    }
}
