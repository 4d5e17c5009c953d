package org.tornadobatch.cli;

import java.util.List;
import java.util.concurrent.Callable;

import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.device.MemoryInfo;

import picocli.CommandLine.Command;

/**
 * {@code tornado-batch devices}: the device runtimes found, their devices and memory, and why any is missing. The
 * launcher starts it under TornadoVM where an SDK is installed, so that TornadoVM's devices are listed too.
 */
@Command(name = "devices", mixinStandardHelpOptions = true, versionProvider = TornadoBatch.Version.class,
        description = "Lists the device runtimes found, their devices and memory, and why any is missing.")
final class DevicesCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Verbosity verbosity;

    @Override
    public Integer call() {
        String auto = null;
        boolean tornadovm = false;
        List<DeviceRuntimes.Found> found = DeviceRuntimes.discover();
        for (DeviceRuntimes.Found f : found) {
            if (!f.availability().available()) {
                System.out.printf("%-10s unavailable: %s%n", f.name(), f.availability().reason());
                continue;
            }
            try (DeviceRuntime r = f.provider().open(0)) {
                MemoryInfo m = r.memoryInfo();
                System.out.printf("%-10s device 0: %s, %s%n", f.name(), r.deviceName(), m);
                for (String d : f.provider().devices()) {
                    System.out.printf("%-10s   %s%n", "", d);
                }
                // solve runs under TornadoVM only with --backend tornadovm, so its auto never picks tornadovm
                if (f.name().equals("tornadovm")) {
                    tornadovm = true;
                } else if (auto == null) {
                    auto = f.name();
                }
            } catch (RuntimeException e) {
                System.out.printf("%-10s failed to open: %s%n", f.name(), e.getMessage());
            }
        }
        for (String missing : new String[] {"tornadovm"}) {
            if (found.stream().noneMatch(f -> f.name().equals(missing))) {
                System.out.printf("%-10s not built into this version%n", missing);
            }
        }
        System.out.printf("%-10s -> %s%s%n", "auto", auto == null ? "none" : auto,
                tornadovm ? " (tornadovm with solve --backend tornadovm)" : "");
        return auto == null && !tornadovm ? 1 : 0;
    }
}
