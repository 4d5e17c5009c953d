package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tornadobatch.Bytes;
import org.tornadobatch.device.simulated.SimulatedRuntime;

class ProportionTest {
    private static final long TOTAL = 8 * Bytes.GiB;
    private final SimulatedRuntime device = SimulatedRuntime.of(TOTAL, TOTAL);
    private final MemoryManager mm = MemoryManager.builder(device).build();

    @AfterEach
    void close() {
        mm.close();
    }

    private TestOwner manual(String name, double p) {
        TestOwner o = new TestOwner(name);
        o.registration = mm.register(o, TestOwner.settings(name).proportion(p).build());
        return o;
    }

    @Test
    void manualOwnersAreCappedAtTheirShare() {
        TestOwner a = manual("a", 0.25);
        assertEquals(0.25, mm.proportion(a));
        assertEquals(TOTAL / 4, mm.capBytes(a));
    }

    @Test
    void autoOwnersShareWhatManualOwnersLeaveAndRebalance() {
        manual("m", 0.4);
        TestOwner a = TestOwner.register(mm, "a", "default");
        assertEquals(0.6, mm.proportion(a), 1e-12);
        TestOwner b = TestOwner.register(mm, "b", "default");
        assertEquals(0.3, mm.proportion(a), 1e-12);
        assertEquals(0.3, mm.proportion(b), 1e-12);
        assertEquals((long) Math.floor(0.3 * TOTAL), mm.capBytes(b));
        mm.unregister(a);
        assertEquals(0.6, mm.proportion(b), 1e-12);
        mm.setManualProportion(b, 0.1);
        assertEquals(0.1, mm.proportion(b), 1e-12);
        TestOwner c = TestOwner.register(mm, "c", "default");
        assertEquals(0.5, mm.proportion(c), 1e-12);
        mm.setAutoProportion(b);
        assertEquals(0.3, mm.proportion(b), 1e-12);
        assertEquals(0.3, mm.proportion(c), 1e-12);
    }

    @Test
    void manualProportionsMayNotExceedTheWhole() {
        manual("a", 0.7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> manual("b", 0.4));
        assertTrue(e.getMessage().startsWith("proportion: 0.4 (expected: <= 0.3000"), e.getMessage());
        assertEquals(1, mm.registeredOwners(), "the rejected owner was not registered");
        manual("c", 0.3);
    }

    @Test
    void fivePercentMustStayInTheAutoPoolWhileAutoOwnersExist() {
        TestOwner auto = TestOwner.register(mm, "auto", "default");
        manual("a", 0.9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> manual("b", 0.06));
        assertTrue(e.getMessage().contains("at least 5% must stay in the auto pool"), e.getMessage());
        manual("b", 0.05); // exactly 5% left
        assertEquals(0.05, mm.proportion(auto), 1e-12);
    }

    @Test
    void joiningTheAutoPoolNeedsFivePercent() {
        manual("a", 0.96);
        TestOwner late = new TestOwner("late");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mm.register(late, TestOwner.settings("late").build()));
        assertTrue(e.getMessage().startsWith("cannot join the auto pool"), e.getMessage());
        assertFalse(mm.isRegistered(late));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -0.1, 1.5, Double.NaN, Double.POSITIVE_INFINITY})
    void badProportionsAreRejectedBeforeAnythingIsRegistered(double p) {
        TestOwner o = new TestOwner("bad");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mm.register(o, TestOwner.settings("bad").proportion(p).build()));
        assertEquals("proportion: " + p + " (expected: 0 < proportion <= 1)", e.getMessage());
        assertFalse(mm.isRegistered(o));
        assertEquals(0, mm.registeredOwners());
        TestOwner ok = TestOwner.register(mm, "ok", "default");
        assertThrows(IllegalArgumentException.class, () -> mm.setManualProportion(ok, p));
        assertEquals(1.0, mm.proportion(ok), "a rejected change leaves the owner as it was");
    }

    @Test
    void registeringTwiceIsAnError() {
        TestOwner a = TestOwner.register(mm, "a", "default");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> mm.register(a, TestOwner.settings("a").build()));
        assertEquals("owner 'a' is already registered", e.getMessage());
    }

    @Test
    void unknownOwnersAreNamedInTheError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> mm.proportion(new TestOwner("x")));
        assertTrue(e.getMessage().contains("is not registered; register it first"), e.getMessage());
    }
}
