package org.tornadobatch.device.cuda;

import java.util.function.Supplier;

/**
 * A native library loaded once per process: the first {@link #get()} runs the loader, which returns the
 * library or the {@link CudaUnavailableException} saying why it cannot be used; later calls return the same
 * library or throw a fresh exception with the same reason.
 */
final class LoadOnce<T> {
    private final Class<T> type;
    private final Supplier<Object> loader;
    private volatile Object loaded;

    LoadOnce(Class<T> type, Supplier<Object> loader) {
        this.type = type;
        this.loader = loader;
    }

    T get() {
        Object l = loaded;
        if (l == null) {
            synchronized (this) {
                l = loaded;
                if (l == null) {
                    l = loader.get();
                    loaded = l;
                }
            }
        }
        if (l instanceof CudaUnavailableException e) {
            throw new CudaUnavailableException(e.getMessage());
        }
        return type.cast(l);
    }
}
