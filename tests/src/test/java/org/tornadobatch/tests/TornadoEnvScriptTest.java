package org.tornadobatch.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The acceptance of tornado-env.sh: finding the JDK, TornadoVM, CUDA and OpenCL, and failing clearly. */
class TornadoEnvScriptTest {

    @TempDir
    Path tmp;

    /** An environment that sees only the fakes under tmp: no system JDKs, SDKs or libraries. */
    private Map<String, String> hermetic() throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("TORNADO_ENV_JDK_SEARCH", Files.createDirectories(tmp.resolve("jvm")).toString());
        env.put("TORNADO_ENV_TORNADO_SEARCH", "");
        env.put("TORNADO_ENV_LIB_SEARCH", Files.createDirectories(tmp.resolve("lib")).toString());
        env.put("TORNADOVM_HOME", null);
        env.put("TORNADO_SDK", null);
        env.put("JAVA_HOME", Scripts.fakeJdk(tmp.resolve("jdk17"), "17.0.15").toString());
        env.put("OCL_ICD_VENDORS", tmp.resolve("vendors").toString());
        return env;
    }

    @Test
    void reportOnThisMachineFindsAJdk25AndTheJvmBackend() throws Exception {
        Scripts.Result r = Scripts.bash("./tornado-env.sh --report", Map.of());
        assertEquals(0, r.exitCode(), r::toString);
        String jdkLine = r.stdout().lines().filter(l -> l.trim().startsWith("JDK")).findFirst().orElseThrow();
        int major = Integer.parseInt(jdkLine.trim().split("\\s+")[1].split("[.+-]")[0]);
        assertTrue(major >= 25, jdkLine);
        assertTrue(r.stdout().contains("jvm        available"), r::toString);
        assertTrue(r.stdout().contains("auto       -> "), r::toString);
    }

    @Test
    void sourcingSwitchesAJava17ShellToJava25() throws Exception {
        Map<String, String> env = hermetic();
        Path jdk25 = Scripts.fakeJdk(tmp.resolve("jvm/temurin-25"), "25.0.3");
        Scripts.fakeJdk(tmp.resolve("jvm/temurin-21"), "21.0.8");
        Scripts.Result r = Scripts.bash("source ./tornado-env.sh; echo \"rc=$? $JAVA_HOME $(command -v java)\"", env);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("rc=0 " + jdk25 + " " + jdk25.resolve("bin/java"), r.stdout().trim(), r::toString);
    }

    @Test
    void sourcingWithTheRealJava17SwitchesToTheRealJava25() throws Exception {
        Path java17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        assumeTrue(Files.isExecutable(java17.resolve("bin/javac")), "no system Java 17 to start from");
        Scripts.Result r = Scripts.bash("source ./tornado-env.sh && java -version 2>&1 | head -n 1",
                Map.of("JAVA_HOME", java17.toString()));
        assertEquals(0, r.exitCode(), r::toString);
        String v = r.stdout().replaceAll("(?s).*version \"([0-9]+).*", "$1").trim();
        assertTrue(Integer.parseInt(v) >= 25, r::toString);
    }

    @Test
    void aQualifyingJavaHomeIsKept() throws Exception {
        Map<String, String> env = hermetic();
        Path own = Scripts.fakeJdk(tmp.resolve("own-jdk"), "26.0.1");
        Scripts.fakeJdk(tmp.resolve("jvm/temurin-25"), "25.0.3");
        env.put("JAVA_HOME", own.toString());
        Scripts.Result r = Scripts.bash("./tornado-env.sh printenv JAVA_HOME", env);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(own.toString(), r.stdout().trim());
    }

    @Test
    void noJdk25AnywhereSaysWhatToInstallAndExits1() throws Exception {
        Map<String, String> env = hermetic();
        env.put("JAVA_HOME", tmp.resolve("missing").toString());
        Scripts.Result r = Scripts.bash("./tornado-env.sh --report", env);
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("", r.stdout());
        assertEquals(1, r.stderr().lines().count(), r::toString);
        assertTrue(r.stderr().contains("no JDK 25 or newer found"), r::toString);
        assertTrue(r.stderr().contains("install a JDK 25"), r::toString);
        assertTrue(r.stderr().contains(tmp.resolve("missing").toString()), r::toString);
    }

    @Test
    void aFailedSourceReturnsWithoutKillingTheShell() throws Exception {
        Map<String, String> env = hermetic();
        Scripts.Result r = Scripts.bash("source ./tornado-env.sh; echo \"still here rc=$?\"", env);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("still here rc=1", r.stdout().trim(), r::toString);
    }

    @Test
    void sourcingLeavesNoHelperFunctionsBehind() throws Exception {
        Map<String, String> env = hermetic();
        Scripts.fakeJdk(tmp.resolve("jvm/temurin-25"), "25.0.3");
        Scripts.Result r = Scripts.bash("source ./tornado-env.sh; declare -F | grep -c _tbenv_ || true", env);
        assertEquals("0", r.stdout().trim(), r::toString);
    }

    @Test
    void findsATornadoVmSdkAndItsBackends() throws Exception {
        Map<String, String> env = hermetic();
        Scripts.fakeJdk(tmp.resolve("jvm/temurin-25"), "25.0.3");
        Path sdk = tmp.resolve("tornadovm-sdk");
        Scripts.executable(sdk.resolve("bin/tornado"), "#!/bin/sh\nexit 0\n");
        Files.createDirectories(sdk.resolve("etc"));
        Files.writeString(sdk.resolve("etc/tornado.backend"), "tornado.backends=opencl-backend,ptx-backend\n");
        env.put("TORNADO_SDK", sdk.toString());
        Scripts.Result r = Scripts.bash("source ./tornado-env.sh && echo \"$TORNADOVM_HOME\" && ./tornado-env.sh --report", env);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().startsWith(sdk.toRealPath() + "\n"), r::toString);
        assertTrue(r.stdout().contains("(backends: opencl,ptx)"), r::toString);
        // No libcuda and no OpenCL platform: the SDK is there but has no device.
        assertTrue(r.stdout().contains("tornadovm  unavailable: the SDK's backends (opencl,ptx) have no device here"), r::toString);
    }

    @Test
    void aTornadoHomeThatIsNoSdkIsIgnored() throws Exception {
        Map<String, String> env = hermetic();
        Scripts.fakeJdk(tmp.resolve("jvm/temurin-25"), "25.0.3");
        env.put("TORNADOVM_HOME", Files.createDirectories(tmp.resolve("empty")).toString());
        Scripts.Result r = Scripts.bash("./tornado-env.sh --report", env);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("TornadoVM SDK  not found"), r::toString);
    }

    @Test
    void findsTheCudaDriverAndNvrtcAndPrefersCuda() throws Exception {
        Map<String, String> env = hermetic();
        Scripts.fakeJdk(tmp.resolve("jvm/temurin-25"), "25.0.3");
        Path lib = tmp.resolve("lib");
        Files.writeString(lib.resolve("libcuda.so.580.95.05"), "");
        Files.createSymbolicLink(lib.resolve("libcuda.so.1"), lib.resolve("libcuda.so.580.95.05"));
        Files.writeString(lib.resolve("libnvrtc.so.13.0.88"), "");
        Files.createSymbolicLink(lib.resolve("libnvrtc.so.13"), lib.resolve("libnvrtc.so.13.0.88"));
        Scripts.Result r = Scripts.bash(
                "source ./tornado-env.sh && echo \"$TORNADO_BATCH_LIBCUDA|$TORNADO_BATCH_NVRTC|${LD_LIBRARY_PATH%%:*}\" && ./tornado-env.sh --report", env);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().startsWith(lib.resolve("libcuda.so.1") + "|" + lib.resolve("libnvrtc.so.13") + "|" + lib + "\n"), r::toString);
        assertTrue(r.stdout().contains("CUDA driver    580.95.05"), r::toString);
        assertTrue(r.stdout().contains("NVRTC          13.0.88"), r::toString);
        assertTrue(r.stdout().contains("cuda       available"), r::toString);
        assertTrue(r.stdout().contains("auto       -> cuda"), r::toString);
    }

    @Test
    void withoutLibrariesTheReportSaysWhyEachBackendIsMissing() throws Exception {
        Map<String, String> env = hermetic();
        Scripts.fakeJdk(tmp.resolve("jvm/temurin-25"), "25.0.3");
        Scripts.Result r = Scripts.bash("./tornado-env.sh --report", env);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().contains("cuda       unavailable: no CUDA driver (libcuda.so.1)"), r::toString);
        assertTrue(r.stdout().contains("tornadovm  unavailable: no TornadoVM SDK"), r::toString);
        assertTrue(r.stdout().contains("auto       -> jvm"), r::toString);
        assertFalse(r.stdout().contains("cuda       available"), r::toString);
    }

    @Test
    void runModePassesArgumentsAndExitCodeThrough() throws Exception {
        Scripts.Result r = Scripts.bash("./tornado-env.sh bash -c 'echo \"$1 $2\"; exit 7' _ one 'two words'", Map.of());
        assertEquals(7, r.exitCode(), r::toString);
        assertEquals("one two words", r.stdout().trim());
    }
}
