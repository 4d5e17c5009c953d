package org.tornadobatch.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.tornadobatch.device.DeviceStream;
import org.tornadobatch.device.simulated.SimulatedRuntime;

class StreamGroupsTest {
    private final StreamGroups<String> groups = new StreamGroups<>(SimulatedRuntime.of(1 << 20, 1 << 20));

    @Test
    void membersOfAGroupShareOneStreamAndGroupsDiffer() {
        groups.add("a", "solver");
        groups.add("b", "solver");
        groups.add("c", "other");
        assertEquals(List.of("a", "b"), groups.members("solver"));
        assertSame(groups.streamOf("a"), groups.streamOf("b"));
        assertNotSame(groups.streamOf("a"), groups.streamOf("c"));
        assertEquals(Set.of("solver", "other"), groups.groups());
        assertEquals(List.of(), groups.members("unknown"));
    }

    @Test
    void moveChangesTheGroupAndTheStream() {
        groups.add("a", "solver");
        groups.add("b", "solver");
        DeviceStream solver = groups.streamOf("a");
        groups.move("a", "other");
        assertEquals("other", groups.groupOf("a"));
        assertEquals(List.of("b"), groups.members("solver"));
        assertNotSame(solver, groups.streamOf("a"));
    }

    @Test
    void errors() {
        groups.add("a", "solver");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> groups.add("a", "other"));
        assertEquals("a is already in stream group 'solver'; use move() to change it", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> groups.move("x", "other"));
        assertEquals("x is not in any stream group; add() it first", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> groups.groupOf("x"));
        assertEquals("x is not in any stream group", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> groups.add("b", " "));
    }

    @Test
    void recreateGivesNewStreamsAndRemoveForgets() {
        groups.add("a", "solver");
        DeviceStream before = groups.stream("solver");
        groups.recreateStreams();
        assertNotSame(before, groups.stream("solver"));
        assertTrue(groups.remove("a"));
        assertEquals(List.of(), groups.members("solver"));
        assertTrue(!groups.remove("a"));
    }

    @Test
    void theManagerExposesGroupOperations() {
        SimulatedRuntime device = SimulatedRuntime.of(1 << 20, 1 << 20);
        try (MemoryManager mm = MemoryManager.builder(device).build()) {
            TestOwner a = TestOwner.register(mm, "a", "solver");
            TestOwner b = TestOwner.register(mm, "b", "solver");
            assertSame(mm.stream(a), mm.stream(b));
            mm.changeStreamGroup(b, "other");
            assertEquals("other", mm.streamGroup(b));
            assertEquals(List.of(a), mm.streamGroupMembers("solver"));
            assertNotSame(mm.stream(a), mm.stream(b));
        }
    }
}
