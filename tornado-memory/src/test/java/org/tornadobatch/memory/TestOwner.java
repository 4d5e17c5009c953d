package org.tornadobatch.memory;

import java.util.ArrayList;
import java.util.List;

/** A registrant for tests: records the responses and invalidations it receives. */
final class TestOwner {
    final String name;
    final List<ArrayResponse> responses = new ArrayList<>();
    int invalidations;
    /** Kept as every owner with hooks keeps it: the manager holds the hooks only through it. */
    Registration registration;

    TestOwner(String name) {
        this.name = name;
    }

    ArrayResponse last() {
        return responses.get(responses.size() - 1);
    }

    static OwnerSettings.Builder<TestOwner> settings(String name) {
        return OwnerSettings.<TestOwner>builder().name(name)
                .onAllocationReady((o, r) -> o.responses.add(r))
                .onInvalidate(o -> o.invalidations++);
    }

    /** Registers a new owner in {@code group}, in the auto pool. */
    static TestOwner register(MemoryManager mm, String name, String group) {
        TestOwner o = new TestOwner(name);
        o.registration = mm.register(o, settings(name).streamGroup(group).build());
        return o;
    }

    @Override
    public String toString() {
        return name;
    }
}
