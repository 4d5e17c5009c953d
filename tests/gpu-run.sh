#!/usr/bin/env bash
# On the GPU machine (device tool), with .device/ from tests/gpu-bundle.sh carried: runs the cuda-tagged tests
# and/or the CUDA benchmark, writing logs under $OUT (or /tmp/gpu-out).
#   gpu-run.sh tests|bench|all    the cuda-tagged tests, CudaLorenzBench, or both
#   gpu-run.sh tornadovm          with a TornadoVM PTX SDK packed (TORNADOVM_PTX_SDK): the tornadovm-tagged tests
#                                 under TornadoVM's flags, then BackendLorenzBench on tornadovm and on cuda with
#                                 each allocator of BENCH_ALLOCATORS (default: "default pooled"), and one solve's
#                                 per-execution breakdown (DEBUG log) on tornadovm at 2^24 float64
set -uo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out"
[ -x /tmp/jre/bin/java ] || tar xJf .device/jre.tar.xz -C /tmp
export JAVA_HOME=/tmp/jre PATH=/tmp/jre/bin:$PATH
flags=(--enable-native-access=ALL-UNNAMED -XX:-DontCompileHugeMethods -Dtornadobatch.cache.dir=/tmp/tb-cache)
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1
rc=0
if [ "$what" = tests ] || [ "$what" = all ]; then
  java "${flags[@]}" -cp ".device/tools/*" org.junit.platform.console.ConsoleLauncher execute \
    --class-path ".device/test-classes:$(ls .device/lib/*.jar | tr '\n' ':')" --scan-class-path .device/test-classes \
    --include-tag cuda --details=tree --disable-banner 2>&1 | tee "$out/tests.log"
  rc=${PIPESTATUS[0]}
fi
if [ "$what" = bench ] || [ "$what" = all ]; then
  # BENCH_FLAGS: extra JVM options (e.g. -Dtornadobatch.slices=1); BENCH_TAG names the log (bench-TAG.log).
  java "${flags[@]}" ${BENCH_FLAGS:-} -Xmx48g -cp ".device/bench/*:.device/lib/*" org.tornadobatch.bench.CudaLorenzBench ${BENCH_ARGS:-20,24 float64,float32 5} \
    2>&1 | tee "$out/bench${BENCH_TAG:+-$BENCH_TAG}.log"
fi
if [ "$what" = tornadovm ]; then
  [ -f .device/tornadovm.tar.xz ] || { echo "gpu-run: no .device/tornadovm.tar.xz (pack one: TORNADOVM_PTX_SDK=... tests/gpu-bundle.sh)" >&2; exit 2; }
  [ -d /tmp/tornadovm-sdk ] || { mkdir -p /tmp/tornadovm-sdk && tar xJf .device/tornadovm.tar.xz -C /tmp/tornadovm-sdk --strip-components=1; }
  export TORNADOVM_HOME=/tmp/tornadovm-sdk
  tests/tornadovm-flags.sh /tmp/tornadovm.args || exit 2
  classes=/tmp/tornadovm-classes
  mkdir -p "$classes"
  tv=(@/tmp/tornadovm.args "${flags[@]}" -Dtornado.recover.bailout=False -Dtornadobatch.tornadovm.classes=$classes)
  # Everything on the JVM's own class path: TornadoVM reads kernel classes through the system class loader.
  java "${tv[@]}" -cp ".device/tools/*:.device/test-classes:$classes:.device/lib/*" org.junit.platform.console.ConsoleLauncher execute \
    --scan-class-path .device/test-classes --include-tag tornadovm --details=tree --disable-banner 2>&1 | tee "$out/tornadovm-tests.log"
  rc=${PIPESTATUS[0]}
  args=${BENCH_ARGS:-20,24 float64,float32 5}
  for alloc in ${BENCH_ALLOCATORS:-default pooled}; do
    java "${tv[@]}" -Dtornado.device.memory=64GB -Xmx48g -cp ".device/bench/*:.device/lib/*:$classes" \
      org.tornadobatch.bench.BackendLorenzBench tornadovm $args "$alloc" 2>&1 | tee "$out/bench-tornadovm-$alloc.log"
    java "${flags[@]}" -Xmx48g -cp ".device/bench/*:.device/lib/*" org.tornadobatch.bench.BackendLorenzBench cuda $args "$alloc" 2>&1 \
      | tee "$out/bench-cuda-$alloc.log"
  done
  java "${tv[@]}" -Dtornado.device.memory=64GB -Xmx48g -Dlogback.configurationFile=org/tornadobatch/cli/logback-cli.xml \
    -Dtornadobatch.log.level=DEBUG -cp ".device/bench/*:.device/lib/*:$classes" \
    org.tornadobatch.bench.BackendLorenzBench tornadovm 24 float64 2 pooled > "$out/breakdown-tornadovm.log" 2>&1
fi
exit $rc
