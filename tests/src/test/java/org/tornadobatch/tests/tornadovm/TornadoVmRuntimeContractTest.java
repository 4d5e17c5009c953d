package org.tornadobatch.tests.tornadovm;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.tornadobatch.device.Availability;
import org.tornadobatch.device.DeviceRuntime;
import org.tornadobatch.device.DeviceRuntimeContract;
import org.tornadobatch.device.DeviceRuntimes;
import org.tornadobatch.tests.BackendAgreementContract;

/**
 * The device runtime contract on the tornadovm runtime (allocation accounting, copies, pitched copies, host views,
 * streams and events), on whatever device TornadoVM picks here: PoCL's CPU device on the build machine, the GPU on
 * the GPU machine. Skipped where no TornadoVM SDK is installed.
 */
@Tag("tornadovm")
class TornadoVmRuntimeContractTest extends DeviceRuntimeContract {
    @Override
    protected DeviceRuntime open() {
        Availability a = BackendAgreementContract.availability("tornadovm");
        Assumptions.assumeTrue(a.available(), () -> "tornadovm runtime unavailable: " + a.reason());
        return DeviceRuntimes.open("tornadovm", 0);
    }
}
