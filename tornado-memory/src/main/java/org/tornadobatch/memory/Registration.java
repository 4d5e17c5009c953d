package org.tornadobatch.memory;

/**
 * What {@link MemoryManager#register} returns: the owner's hooks, held here and nowhere else. The manager holds
 * the owner and this handle only weakly, so an owner that keeps its registration in a field is purged once it is
 * collected, even when its hooks capture it: owner, handle and hooks then form a cycle nothing else reaches.
 *
 * <p>Keep the handle as long as the owner is registered (a field of the owner is the natural place). A handle
 * dropped while its owner lives takes the hooks with it: the manager then logs a warning once and calls no
 * hooks for that owner. Owners registered without hooks need not keep it. {@link #close()} unregisters.
 */
public final class Registration implements AutoCloseable {
    private final MemoryManager manager;
    private final java.lang.ref.WeakReference<Object> owner;
    final OwnerSettings<?> settings;

    Registration(MemoryManager manager, Object owner, OwnerSettings<?> settings) {
        this.manager = manager;
        this.owner = new java.lang.ref.WeakReference<>(owner);
        this.settings = settings;
    }

    /** Frees the owner's arrays and forgets it (as {@link MemoryManager#unregister}); nothing when it already left. */
    @Override
    public void close() {
        Object o = owner.get();
        if (o != null && manager.isRegistered(o)) {
            manager.unregister(o);
        }
    }
}
