package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.tools.DocumentationTool;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every public class, constructor, method, field and enum constant of the published modules has a comment: javadoc
 * with doclint's {@code missing} group over each module's sources reports no "no comment" (nor an implicit default
 * constructor, which has none). The tornadovm module needs TornadoVM's jars and is checked where they are on the
 * class path.
 */
class PublicApiDocsTest {
    @ParameterizedTest
    @ValueSource(strings = {"tornado-memory", "tornado-cuda", "tornado-solver", "tornado-io", "tornado-cli"})
    void everyPublicDeclarationHasAComment(String module, @TempDir Path out) throws Exception {
        DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
        assertNotNull(javadoc, "no javadoc tool in this runtime (run the tests on a JDK)");
        List<String> sources;
        try (Stream<Path> files = Files.walk(Scripts.root().resolve(module).resolve("src/main/java"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).sorted().toList();
        }
        assertTrue(sources.size() > 3, module + ": " + sources);
        List<String> args = new ArrayList<>(List.of("-quiet", "-Xmaxwarns", "100000", "-Xdoclint:missing", "-d", out.toString(),
                "-cp", System.getProperty("java.class.path")));
        args.addAll(sources);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = javadoc.run(null, bytes, bytes, args.toArray(String[]::new));
        String log = bytes.toString(StandardCharsets.UTF_8);
        List<String> missing = log.lines()
                .filter(l -> l.contains("warning: no comment") || l.contains("use of default constructor")).toList();
        assertEquals(List.of(), missing, module + ": declarations without a comment");
        assertEquals(0, exit, module + ": javadoc failed:\n" + log);
    }
}
