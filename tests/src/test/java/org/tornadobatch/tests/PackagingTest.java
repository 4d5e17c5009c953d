package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tornadobatch.solver.Batch;

/** What a library user gets from the built jars: module names, sources and javadoc jars, parameter names. */
class PackagingTest {
    @ParameterizedTest
    @CsvSource({"tornado-memory, org.tornadobatch.memory", "tornado-cuda, org.tornadobatch.cuda", "tornado-solver, org.tornadobatch.solver",
        "tornado-io, org.tornadobatch.io", "tornado-cli, org.tornadobatch.cli"})
    void eachLibraryJarHasAModuleNameSourcesAndJavadoc(String module, String name) throws Exception {
        Path target = Scripts.root().resolve(module).resolve("target");
        Path jar;
        try (Stream<Path> s = Files.list(target)) {
            jar = s.filter(p -> p.getFileName().toString().matches(module + "(-[0-9].*)?\\.jar")
                    && !p.getFileName().toString().matches(".*-(sources|javadoc|tests)\\.jar")).findFirst().orElseThrow();
        }
        try (JarFile j = new JarFile(jar.toFile())) {
            assertEquals(name, j.getManifest().getMainAttributes().getValue("Automatic-Module-Name"), jar.toString());
        }
        String base = jar.getFileName().toString().replace(".jar", "");
        assertTrue(Files.size(target.resolve(base + "-sources.jar")) > 1000, base + "-sources.jar");
        assertTrue(Files.size(target.resolve(base + "-javadoc.jar")) > 1000, base + "-javadoc.jar");
    }

    @Test
    void parameterNamesAreInTheClassFiles() throws Exception {
        Method m = Batch.class.getMethod("value", int.class, int.class);
        assertEquals("c", m.getParameters()[0].getName(), "compiled with -parameters");
        assertTrue(m.getParameters()[1].isNamePresent());
    }
}
