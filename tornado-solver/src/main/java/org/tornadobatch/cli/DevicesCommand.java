package org.tornadobatch.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

/** {@code tornado-batch devices}: the device runtimes found, their devices and memory. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "Lists the device runtimes found, their devices and memory, and why any is missing.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("jvm: host memory stands in for device memory (the runtime list arrives with tornado-memory)");
        return 0;
    }
}
