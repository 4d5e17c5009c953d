package org.tornadobatch.memory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * How an owner registers with the {@link MemoryManager}. The hooks receive the owner as an argument, and may
 * capture it too: the manager holds them only through the {@link Registration} it returns, which the owner
 * keeps, so they never keep a collected owner alive.
 *
 * @param <O> the owner's type
 */
public final class OwnerSettings<O> {
    private final String name;
    private final String streamGroup;
    private final OptionalDouble proportion;
    private final Consumer<? super O> onInvalidate;
    private final BiConsumer<? super O, ArrayResponse> onAllocationReady;
    private final OptionalLong hostSpillThresholdBytes;
    private final Path spillDirectory;
    private final boolean hasHooks;

    private OwnerSettings(Builder<O> b) {
        this.name = b.name;
        this.streamGroup = b.streamGroup;
        this.proportion = b.proportion;
        this.onInvalidate = b.onInvalidate;
        this.onAllocationReady = b.onAllocationReady;
        this.hostSpillThresholdBytes = b.hostSpillThresholdBytes;
        this.spillDirectory = b.spillDirectory;
        this.hasHooks = b.hasHooks;
    }

    /** Whether any hook was set (then the owner must keep its {@link Registration}). */
    boolean hasHooks() {
        return hasHooks;
    }

    /** These settings without their hooks: what the manager itself keeps. */
    OwnerSettings<O> withoutHooks() {
        Builder<O> b = new Builder<>();
        b.name = name;
        b.streamGroup = streamGroup;
        b.proportion = proportion;
        b.hostSpillThresholdBytes = hostSpillThresholdBytes;
        b.spillDirectory = spillDirectory;
        return b.build();
    }

    /** A builder of settings, with no name, the default stream group and no hooks. */
    public static <O> Builder<O> builder() {
        return new Builder<>();
    }

    /** Settings with every default: group "default", auto proportion, no hooks. */
    public static <O> OwnerSettings<O> defaults() {
        return new Builder<O>().build();
    }

    /** A name for messages and leak reports; null for the owner's class and identity. */
    public String name() {
        return name;
    }

    /** The stream group the owner joins. */
    public String streamGroup() {
        return streamGroup;
    }

    /** A manual proportion of total memory, or empty to share the auto pool. */
    public OptionalDouble proportion() {
        return proportion;
    }

    /** Called when the owner's arrays are freed by the manager (to make room, or on close). */
    public Consumer<? super O> onInvalidate() {
        return onInvalidate;
    }

    /** Called when the owner's arrays are allocated, with the response. */
    public BiConsumer<? super O, ArrayResponse> onAllocationReady() {
        return onAllocationReady;
    }

    /** The bytes of host arrays past which results spill to disk, if set. */
    public OptionalLong hostSpillThresholdBytes() {
        return hostSpillThresholdBytes;
    }

    /** Where this owner's spill files go; null for the manager's. */
    public Path spillDirectory() {
        return spillDirectory;
    }

    /** Builds {@link OwnerSettings}. */
    public static final class Builder<O> {
        private String name;
        private String streamGroup = "default";
        private OptionalDouble proportion = OptionalDouble.empty();
        private Consumer<? super O> onInvalidate = o -> { };
        private BiConsumer<? super O, ArrayResponse> onAllocationReady = (o, r) -> { };
        private OptionalLong hostSpillThresholdBytes = OptionalLong.empty();
        private Path spillDirectory;
        private boolean hasHooks;

        private Builder() {
        }

        /** The owner's name, for messages and the pool's affinity. */
        public Builder<O> name(String value) {
            this.name = value;
            return this;
        }

        /** Sets the stream group the owner joins (owners of one group share a stream). */
        public Builder<O> streamGroup(String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("streamGroup: '" + value + "' (expected: a non-blank name)");
            }
            this.streamGroup = value;
            return this;
        }

        /** A manual proportion in (0, 1]: the owner is capped at that share of total memory. */
        public Builder<O> proportion(double value) {
            Proportions.checkProportion(value);
            this.proportion = OptionalDouble.of(value);
            return this;
        }

        /** Sets the hook called when the owner's arrays are freed by the manager. */
        public Builder<O> onInvalidate(Consumer<? super O> hook) {
            this.onInvalidate = Objects.requireNonNull(hook, "onInvalidate");
            this.hasHooks = true;
            return this;
        }

        /** Sets the hook called when the owner's arrays are allocated. */
        public Builder<O> onAllocationReady(BiConsumer<? super O, ArrayResponse> hook) {
            this.onAllocationReady = Objects.requireNonNull(hook, "onAllocationReady");
            this.hasHooks = true;
            return this;
        }

        /** Host results above this many bytes go to memory-mapped spill files. */
        public Builder<O> hostSpillThresholdBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("hostSpillThresholdBytes: " + bytes + " (expected: >= 0)");
            }
            this.hostSpillThresholdBytes = OptionalLong.of(bytes);
            return this;
        }

        /** An existing directory for this owner's spill files. */
        public Builder<O> spillDirectory(Path dir) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("spillDirectory: " + dir + " (expected: an existing directory)");
            }
            this.spillDirectory = dir;
            return this;
        }

        /** The settings. */
        public OwnerSettings<O> build() {
            return new OwnerSettings<>(this);
        }
    }
}
