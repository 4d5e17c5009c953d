package org.tornadobatch.device.tornadovm;

import java.util.List;

import org.tornadobatch.device.Availability;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimeProvider;

/**
 * The tornadovm runtime, available where the JVM was started by TornadoVM's {@code tornado} launcher (its
 * runtime on the module path). It is preferred to every other runtime there ({@code auto} under TornadoVM means
 * TornadoVM). The backend is the option {@code backend} (the command line's {@code --device B:D}), else
 * {@code -Dtornadobatch.tornadovm.backend=B}, else {@link TornadoVmRuntime#preferredBackend()}: PTX, then a backend
 * with a GPU, then the rest. The device index is the one given to {@link #open}.
 */
public final class TornadoVmRuntimeProvider implements DeviceRuntimeProvider {
    /** The provider {@link java.util.ServiceLoader} makes. */
    public TornadoVmRuntimeProvider() {
    }

    /** System property: the TornadoVM backend index. */
    public static final String BACKEND_PROPERTY = "tornadobatch.tornadovm.backend";

    @Override
    public String name() {
        return "tornadovm";
    }

    @Override
    public int priority() {
        return 400;
    }

    @Override
    public Availability availability() {
        if (System.getProperty("tornado.load.runtime.implementation") == null) {
            return Availability.no("this JVM was not started by TornadoVM's tornado launcher (use ./tornado-batch --backend tornadovm)");
        }
        try {
            List<String> devices = TornadoVmRuntime.listDevices();
            return Availability.yes(devices.size() + " TornadoVM device(s)");
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("TornadoVM did not start: " + e);
        }
    }

    /** "backend:device  backend-type  name  memory" for every device of every TornadoVM backend. */
    @Override
    public List<String> devices() {
        return TornadoVmRuntime.listDevices();
    }

    @Override
    public DeviceRuntime open(int deviceIndex) {
        return open(deviceIndex, java.util.Map.of());
    }

    /** Opens device {@code deviceIndex} of the backend that the option {@code backend} names, or as above. */
    @Override
    public DeviceRuntime open(int deviceIndex, java.util.Map<String, String> options) {
        TvmPlans.maxRegisters(); // a bad register cap is one clear line before TornadoVM starts
        java.util.Set<String> unknown = new java.util.TreeSet<>(options.keySet());
        unknown.remove("backend");
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("the tornadovm runtime takes the option backend only (given: " + unknown + ")");
        }
        String named = options.containsKey("backend") ? options.get("backend") : System.getProperty(BACKEND_PROPERTY);
        int backend;
        if (named != null) {
            try {
                backend = Integer.parseInt(named.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("TornadoVM backend '" + named + "' (expected: a backend index; see tornado-batch devices)");
            }
        } else {
            backend = TornadoVmRuntime.preferredBackend();
        }
        TornadoVmRuntime rt = TornadoVmRuntime.open(backend, deviceIndex);
        org.slf4j.LoggerFactory.getLogger(TornadoVmRuntimeProvider.class).info("TornadoVM device {}{}", rt.deviceName(),
                named == null ? " (chosen: PTX first, then a GPU; --device B:D or -D" + BACKEND_PROPERTY + "=B picks another)" : "");
        return rt;
    }
}
