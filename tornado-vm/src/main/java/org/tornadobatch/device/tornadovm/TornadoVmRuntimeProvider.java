package org.tornadobatch.device.tornadovm;

import java.util.List;

import org.tornadobatch.device.Availability;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimeProvider;

/**
 * The tornadovm runtime, available where the JVM was started by TornadoVM's {@code tornado} launcher (its
 * runtime on the module path). It is preferred to every other runtime there ({@code auto} under TornadoVM means
 * TornadoVM). {@code -Dtornadobatch.tornadovm.backend=B} picks the backend (default 0); the device index is
 * the one given to {@link #open}.
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
        return TornadoVmRuntime.open(Integer.getInteger(BACKEND_PROPERTY, 0), deviceIndex);
    }
}
