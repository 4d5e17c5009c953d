#!/usr/bin/env bash
# On the GPU machine (device tool), with .device/ from tests/gpu-bundle.sh carried: runs the cuda-tagged tests
# and/or the CUDA benchmark, writing logs under $OUT (or /tmp/gpu-out).
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
  java "${flags[@]}" ${BENCH_FLAGS:-} -Xmx48g -cp ".device/bench/*" org.tornadobatch.bench.CudaLorenzBench ${BENCH_ARGS:-20,24 float64,float32 5} \
    2>&1 | tee "$out/bench${BENCH_TAG:+-$BENCH_TAG}.log"
fi
exit $rc
