package org.tornadobatch.memory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.tornadobatch.FirstFailure;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceStream;

/**
 * Owners grouped by name, one stream per group: members of a group run in order on its stream; different
 * groups get different streams and may run concurrently. Streams are created lazily. Not thread-safe on its
 * own; the memory manager guards it.
 *
 * @param <K> how members are identified
 */
public final class StreamGroups<K> {
    private final DeviceRuntime runtime;
    private final Map<String, Set<K>> members = new LinkedHashMap<>();
    private final Map<K, String> groupOf = new HashMap<>();
    private final Map<String, DeviceStream> streams = new HashMap<>();

    /** Groups whose streams come from {@code runtime}. */
    public StreamGroups(DeviceRuntime runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /** Adds {@code member} to {@code group}, creating the group. */
    public void add(K member, String group) {
        requireName(group);
        String current = groupOf.get(member);
        if (current != null) {
            throw new IllegalStateException(member + " is already in stream group '" + current + "'; use move() to change it");
        }
        groupOf.put(member, group);
        members.computeIfAbsent(group, g -> new LinkedHashSet<>()).add(member);
    }

    /** Moves {@code member} from its group to {@code group}. */
    public void move(K member, String group) {
        requireName(group);
        String current = groupOf.get(member);
        if (current == null) {
            throw new IllegalStateException(member + " is not in any stream group; add() it first");
        }
        removeFrom(member, current);
        groupOf.put(member, group);
        members.computeIfAbsent(group, g -> new LinkedHashSet<>()).add(member);
    }

    /** Removes {@code member}; returns whether it was in a group. */
    public boolean remove(K member) {
        String current = groupOf.remove(member);
        if (current == null) {
            return false;
        }
        removeFrom(member, current);
        return true;
    }

    private void removeFrom(K member, String group) {
        Set<K> set = members.get(group);
        set.remove(member);
        if (set.isEmpty()) {
            members.remove(group);
            DeviceStream s = streams.remove(group);
            if (s != null) {
                s.close();
            }
        }
    }

    /** The group of {@code member}. */
    public String groupOf(K member) {
        String g = groupOf.get(member);
        if (g == null) {
            throw new IllegalStateException(member + " is not in any stream group");
        }
        return g;
    }

    /** The group {@code member} belongs to, if any. */
    public Optional<String> findGroupOf(K member) {
        return Optional.ofNullable(groupOf.get(member));
    }

    /** Members of {@code group} in the order they joined; empty for an unknown group. */
    public List<K> members(String group) {
        return List.copyOf(members.getOrDefault(group, Set.of()));
    }

    /** The names of the groups. */
    public Set<String> groups() {
        return Set.copyOf(members.keySet());
    }

    /** The group's stream, created on first use. */
    public DeviceStream stream(String group) {
        requireName(group);
        return streams.computeIfAbsent(group, g -> runtime.newStream());
    }

    /** The stream of {@code member}'s group. */
    public DeviceStream streamOf(K member) {
        return stream(groupOf(member));
    }

    /** Closes every stream (after its work) and creates new ones on next use. */
    public void recreateStreams() {
        List<DeviceStream> old = new ArrayList<>(streams.values());
        streams.clear();
        FirstFailure failures = new FirstFailure();
        for (DeviceStream s : old) {
            failures.run(s::close);
        }
        failures.rethrow();
    }

    private static void requireName(String group) {
        if (group == null || group.isBlank()) {
            throw new IllegalArgumentException("group: '" + group + "' (expected: a non-blank name)");
        }
    }
}
