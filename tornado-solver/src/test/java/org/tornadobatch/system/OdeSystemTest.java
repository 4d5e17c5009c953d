package org.tornadobatch.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The file format, the builder, folding, and every error with its position. */
class OdeSystemTest {

    @Test
    void parsesTheFormatAndFoldsConstants() {
        OdeSystem s = OdeSystem.parse("""
                # a comment
                states: x = 1.0, y, z = 2*pi
                parameters: a = 1e-3
                constants: b = 8/3, c = b * 3
                observables: r
                r = sqrt(x^2 + y**2)
                dx = -a * x + c   # trailing comment
                dy = ifelse(x > 0 && !(y < 0), -y, y) + max(1, 2, 3)
                dz = -x^2
                """, "dir/model.ode");
        assertEquals("model", s.name());
        assertEquals(List.of("x", "y", "z"), s.stateNames());
        assertEquals(2 * Math.PI, s.states().get(2).defaultValue());
        assertEquals(0.0, s.states().get(1).defaultValue());
        assertEquals(8.0, s.constants().get("c"), 1e-15);
        assertEquals(List.of("r"), s.observables());
        Interpreter f = new Interpreter(s);
        double[] d = new double[3];
        f.derivatives(0, new double[] {2, 3, 0}, new double[] {0.5}, d);
        assertEquals(-1 + 8, d[0], 1e-12);
        assertEquals(-3 + 3, d[1], 1e-12);
        assertEquals(-4, d[2], 1e-12, "-x^2 is -(x^2)");
        assertEquals(Math.sqrt(13), f.observables(0, new double[] {2, 3, 0}, new double[] {0.5})[0], 1e-12);
        Expr folded = s.derivatives().get(0).expression();
        StringBuilder refs = new StringBuilder();
        folded.forEachRef(r -> refs.append(r.name()));
        assertEquals("ax", refs.toString(), "constants are folded away");
    }

    @Test
    void theBuilderChecksLikeTheFile() {
        OdeSystem s = OdeSystem.builder("decay").state("y", 1).parameter("k", 2).equations("dy = -k * y").build();
        assertEquals("decay", s.name());
        SystemDefinitionException e = assertThrows(SystemDefinitionException.class,
                () -> OdeSystem.builder("bad").state("y", 1).state("z", 0).equations("dy = -y").build());
        assertTrue(e.getMessage().contains("state 'z' has no derivative"), e.getMessage());
        assertEquals(5.0, s.withDefault("k", 5).parameters().get(0).defaultValue());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "states: x = 1\\ndx = 2 * (x + |m.ode:2:14|expected a number",
            "states: x = 1\\ndx = 2 * y|m.ode:2:10|unknown symbol 'y'",
            "states: x = 1\\ndx = 2 * xx|m.ode:2:10|did you mean 'x'",
            "states: x = 1, y = 2\\ndx = 1|m.ode:1:16|state 'y' has no derivative",
            "states: x = 1\\ndx = 1\\ndw = 3|m.ode:3:1|'dw' looks like a derivative but 'w' is not a state",
            "states: x = 1\\nparameters: x = 2\\ndx = 1|m.ode:2:13|'x' is declared twice",
            "states: sin = 1\\ndsin = 1|m.ode:1:9|built-in name",
            "states: x\\ndx = a\\na = b + 1\\nb = a * 2|m.ode:3:1|cycle: a -> b -> a",
            "states: x\\ndx = x > 1|m.ode:2:8|a condition is not a number",
            "states: x\\ndx = ifelse(x, 1, 2)|m.ode:2:13|expected a condition",
            "states: x\\ndx = foo(x)|m.ode:2:6|unknown function 'foo'",
            "states: x\\ndx = pow(x)|m.ode:2:6|pow() takes 2 arguments",
            "states: x\\ndx = 2x|m.ode:2:6|write a '*' between a number and a name",
            "states: x\\ndx = 1\\ndx = 2|m.ode:3:1|defined twice",
            "states: x\\nwhat: 1\\ndx = 1|m.ode:2:1|unknown section",
            "states: x\\nobservables: x\\ndx = 1|m.ode:2:14|observables are auxiliaries",
            "states: x\\ndx = 1 < 2 < 3|m.ode:2:12|comparisons do not chain",
            "states: x\\nconstants: c\\ndx = c|m.ode:2:12|needs a value",
            "states: x = q\\ndx = 1|m.ode:1:13|must be a number"})
    void errorsSayWhereAndWhat(String text, String where, String what) {
        SystemDefinitionException e = assertThrows(SystemDefinitionException.class,
                () -> OdeSystem.parse(text.replace("\\n", "\n"), "m.ode"));
        assertTrue(e.getMessage().startsWith(where + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
    }
}
