#!/usr/bin/env bash
# On the GPU machine (device tool), with .device/ from tests/gpu-bundle.sh carried: runs the cuda-tagged tests
# and/or the CUDA benchmark, writing logs under $OUT (or /tmp/gpu-out).
#   gpu-run.sh tests|bench|all    the cuda-tagged tests, CudaLorenzBench, or both
#   gpu-run.sh tornadovm          with a TornadoVM PTX SDK packed (TORNADOVM_PTX_SDK): the tornadovm-tagged tests
#                                 under TornadoVM's flags, then BackendLorenzBench on tornadovm and on cuda with
#                                 each allocator of BENCH_ALLOCATORS (default: "default pooled"), and one solve's
#                                 per-execution breakdown (DEBUG log) on tornadovm at 2^24 float64
#   gpu-run.sh userpath           what a user waits for: cold one-shot CLI solves of the Lorenz RK4 2^24 sweep
#                                 (cuda, and tornadovm where an SDK is packed: PTX chosen by the runtime), float64
#                                 and float32, with the launcher's JVM flags and class-data archive; then
#                                 UserPathBench in-process (cuda; tornadovm where packed); NumPy's and dd's write
#                                 speed of the same bytes (userpath.log, userpath-bench-*.log)
#   gpu-run.sh devices            MultiDeviceLorenzBench (one solve spread over DEVICES, default 0,1 where the machine has two
#                                 GPUs, else 0,0: two contexts on one; DEVICES_ARGS default "25 float32,float64 5") on cuda,
#                                 and on tornadovm where an SDK is packed (devices-BACKEND.log)
#   gpu-run.sh stiff              StiffRobertsonBench (STIFF_ARGS: runs, durations, reps; default 4097,1048577
#                                 100,100000 3) for each of STIFF_METHODS on cuda, and on tornadovm where an SDK
#                                 is packed (stiff-BACKEND.log)
set -uo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out"
[ -x /tmp/jre/bin/java ] || tar xJf .device/jre.tar.xz -C /tmp
export JAVA_HOME=/tmp/jre PATH=/tmp/jre/bin:$PATH
flags=(--enable-native-access=ALL-UNNAMED -Dtornadobatch.cache.dir=/tmp/tb-cache)
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1
rc=0
# Where a TornadoVM SDK is packed: unpacks it once, writes its JVM flags to /tmp/tornadovm.args; false where none is.
packed_tornadovm() {
  [ -f .device/tornadovm.tar.xz ] || return 1
  [ -d /tmp/tornadovm-sdk ] || { mkdir -p /tmp/tornadovm-sdk && tar xJf .device/tornadovm.tar.xz -C /tmp/tornadovm-sdk --strip-components=1; }
  export TORNADOVM_HOME=/tmp/tornadovm-sdk
  tests/tornadovm-flags.sh /tmp/tornadovm.args || exit 2
  mkdir -p /tmp/tornadovm-classes
}
# The JVM flags (jf) and class path (cp) of a benchmark on backend $1 (tornadovm: TornadoVM's flags and kernel classes).
bench_jvm() {
  if [ "$1" = tornadovm ]; then
    jf=(@/tmp/tornadovm.args "${flags[@]}" -Dtornado.recover.bailout=False -Dtornadobatch.tornadovm.classes=/tmp/tornadovm-classes -Dtornado.device.memory=64GB)
    cp=".device/bench/*:.device/lib/*:/tmp/tornadovm-classes"
  else
    jf=("${flags[@]}")
    cp=".device/bench/*:.device/lib/*"
  fi
}
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
if [ "$what" = userpath ]; then
  cds=(-XX:SharedArchiveFile=/tmp/tb-cds.jsa -XX:+AutoCreateSharedArchive -Xlog:cds*=off -Xlog:aot*=off --add-modules jdk.incubator.vector)
  backends=(cuda)
  packed_tornadovm && backends+=(tornadovm)
  n=${RUNS:-16777216}
  # tornadovm twice: as it chooses its parts, and unsplit (-Dtornadobatch.parts=1: one plan, one first execution)
  for b in "${backends[@]}" ${backends[1]:+tornadovm-unsplit}; do
    if [ "$b" != cuda ]; then
      jf=(@/tmp/tornadovm.args "${flags[@]}" -Dtornado.recover.bailout=False -Dtornadobatch.tornadovm.classes=/tmp/tornadovm-classes)
      [ "$b" = tornadovm-unsplit ] && jf+=(-Dtornadobatch.parts=1)
      cp=".device/lib/*:/tmp/tornadovm-classes"
    else
      jf=("${flags[@]}" "${cds[@]}")
      cp=".device/lib/*"
    fi
    for p in float64 float32 float64 float32 float64 float32; do
      rm -rf /tmp/res; sync
      s=$(date +%s.%N)
      java "${jf[@]}" -cp "$cp" org.tornadobatch.cli.TornadoBatch solve examples/lorenz.ode --sweep rho=0:21:$n --algorithm rk4 \
        --dt 0.001 --backend ${b%-unsplit} --precision $p -q --out /tmp/res 2>&1 | grep -v incubator | tail -5
      e=$(date +%s.%N)
      python3 -c "
import json; r=json.load(open('/tmp/res/run.json')); run=r['run']; b=sum(f['bytes'] for f in r['files'])
print('$b', '$p', run['device'], 'wall %.3f s'%($e-$s), 'bytes', b, 'kernel_ms %.1f total_ms %.1f'%(run['kernel_ms'], run['total_ms']),
      {k:(round(v,1) if v is not None else None) for k,v in run['phases_ms'].items()})" 2>&1 | tee -a "$out/userpath.log"
    done
  done
  python3 - <<'PY' 2>&1 | tee -a "$out/userpath.log"
import numpy as np, time, os, glob, shutil
src='/tmp/res'; arrs={os.path.relpath(f,src): np.load(f) for f in glob.glob(src+'/**/*.npy', recursive=True)}
for i in range(3):
    d='/tmp/npw'; shutil.rmtree(d, ignore_errors=True); os.makedirs(d+'/grid')
    t=time.perf_counter()
    for k,a in arrs.items(): np.save(os.path.join(d,k), a)
    print('numpy save %.3f s of %d bytes'%(time.perf_counter()-t, sum(a.nbytes for a in arrs.values())))
PY
  dd if=/dev/zero of=/tmp/dd.bin bs=16M count=64 conv=fdatasync 2>&1 | tail -1 | tee -a "$out/userpath.log"
  rm -f /tmp/dd.bin /tmp/npw -r
  # In-process: USERPATH_ARGS (default: both cases at 2^20 and 2^24, both precisions, 3 rounds), then the time series
  # at 2^22 float32 forced into chunks by USERPATH_PROPORTIONS.
  for b in "${backends[@]}"; do
    if [ "$b" = tornadovm ]; then
      jf=(@/tmp/tornadovm.args "${flags[@]}" -Dtornado.recover.bailout=False -Dtornadobatch.tornadovm.classes=/tmp/tornadovm-classes -Dtornado.device.memory=64GB)
      cp=".device/bench/*:.device/lib/*:/tmp/tornadovm-classes"
    else
      jf=("${flags[@]}" --add-modules jdk.incubator.vector)
      cp=".device/bench/*:.device/lib/*"
    fi
    java "${jf[@]}" -Xmx64g -Dbench.dir=/tmp -cp "$cp" org.tornadobatch.bench.UserPathBench $b ${USERPATH_ARGS:-20,24 final,series float64,float32 3} \
      2>&1 | grep -v incubator | tee "$out/userpath-bench-$b.log"
    java "${jf[@]}" -Xmx64g -Dbench.dir=/tmp -cp "$cp" org.tornadobatch.bench.UserPathBench $b 22 series float32 2 ${USERPATH_PROPORTIONS:--,0.004,0.001} \
      2>&1 | grep -v incubator | tee -a "$out/userpath-bench-$b.log"
  done
fi
if [ "$what" = devices ]; then
  gpus=$(nvidia-smi -L 2>/dev/null | wc -l)
  devices=${DEVICES:-$([ "$gpus" -ge 2 ] && echo 0,1 || echo 0,0)}
  backends=(cuda)
  packed_tornadovm && backends+=(tornadovm)
  for b in "${backends[@]}"; do
    bench_jvm "$b"
    java "${jf[@]}" -Xmx64g -cp "$cp" org.tornadobatch.bench.MultiDeviceLorenzBench $b $devices ${DEVICES_ARGS:-25 float32,float64 5} \
      2>&1 | grep -v incubator | tee "$out/devices-$b.log"
  done
fi
if [ "$what" = stiff ]; then
  backends=(cuda)
  packed_tornadovm && backends+=(tornadovm)
  for b in "${backends[@]}"; do
    bench_jvm "$b"
    for m in ${STIFF_METHODS:-rodas5p l-stable-sdirk-4 kvaerno3}; do
      java "${jf[@]}" -Xmx48g -cp "$cp" org.tornadobatch.bench.StiffRobertsonBench $b ${STIFF_ARGS:-4097,1048577 100,100000 3} $m \
        2>&1 | grep -v incubator | tee -a "$out/stiff-$b.log"
    done
  done
fi
exit $rc
