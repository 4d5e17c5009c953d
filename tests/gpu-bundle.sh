#!/usr/bin/env bash
# Packs what the GPU machine needs to run the cuda-tagged integration tests and the CUDA benchmark, which has
# no Java and no Maven: a Java 25 runtime (../shared/tools/device-jre.sh), the built jars, the test classes and
# JUnit's console launcher, all under .device/ (ignored by git; carry it to the device machine).
#
# Usage, from the project root:  tests/gpu-bundle.sh
#   TORNADOVM_PTX_SDK=/path/to/sdk tests/gpu-bundle.sh   also packs that TornadoVM SDK (one built with the PTX
#       backend; build it yourself, outside the project), trimmed to its runtime jars, and the tornado-vm jar,
#       for `gpu-run.sh tornadovm` (the project itself must then be built with an SDK: TORNADOVM_HOME).
# Then, on the GPU machine, the line it prints runs the tests and the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.device
junit=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml)
if [ -n "${TORNADOVM_PTX_SDK:-}" ]; then
  # TornadoVM's log4j needs java.rmi and java.scripting besides the modules ../shared/tools/device-jre.sh links.
  modules="$(sed -n 's/^modules=//p' ../shared/tools/device-jre.sh),java.rmi,java.scripting"
  if ! [ -f "$out/jre.modules" ] || [ "$(cat "$out/jre.modules")" != "$modules" ]; then
    jdk=$(./tornado-env.sh sh -c 'echo "$JAVA_HOME"')
    tmp=$(mktemp -d)
    "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --output "$tmp/jre" >/dev/null
    mkdir -p "$out" && tar -C "$tmp" -cf - jre | xz -T0 -6 > "$out/jre.tar.xz" && echo "$modules" > "$out/jre.modules"
    rm -rf "$tmp"
  fi
elif ! [ -f "$out/jre.tar.xz" ] || [ -f "$out/jre.modules" ]; then
  rm -f "$out/jre.modules"
  ../shared/tools/device-jre.sh "$out" >/dev/null
fi
rm -rf "$out/lib" "$out/bench" "$out/tools" "$out/test-classes"
./tornado-env.sh mvn -B -q install -DskipTests
./tornado-env.sh mvn -B -q -pl tests dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$PWD/$out/lib" \
  -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian
./tornado-env.sh mvn -B -q dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:${junit/5./1.}" \
  -DoutputDirectory="$PWD/$out/tools"
cp -r tests/target/test-classes "$out/test-classes"
# The benchmark's jars that the tests' do not already bring (its class path is bench/* then lib/*).
mkdir -p "$out/bench" && cp tornado-bench/target/tornado-bench.jar "$out/bench/"
for j in tornado-bench/target/lib/*.jar; do [ -f "$out/lib/$(basename "$j")" ] || cp "$j" "$out/bench/"; done
rm -f "$out/tornadovm.tar.xz"
if [ -n "${TORNADOVM_PTX_SDK:-}" ]; then
  [ -f tornado-vm/target/tornado-vm.jar ] || { echo "gpu-bundle: tornado-vm/target/tornado-vm.jar is missing: build with TORNADOVM_HOME set" >&2; exit 1; }
  [ -f "$TORNADOVM_PTX_SDK/lib/libtornado-ptx.so" ] || { echo "gpu-bundle: $TORNADOVM_PTX_SDK has no lib/libtornado-ptx.so (not an SDK with the PTX backend)" >&2; exit 1; }
  ls "$out"/lib/tornado-vm-*.jar >/dev/null 2>&1 || { echo "gpu-bundle: the tests' jars lack tornado-vm: build with TORNADOVM_HOME set" >&2; exit 1; }
  tmp=$(mktemp -d)
  cp -r "$TORNADOVM_PTX_SDK" "$tmp/sdk"
  rm -f "$tmp/sdk/tornado-argfile"
  # What the runtime does not load: examples, benchmarks, test suites, the CUDA-library bindings, JMH and JUnit.
  (cd "$tmp/sdk/share/java/tornado" && rm -f tornado-benchmarks-* tornado-examples-* tornado-unittests-* tornado-fuzz-* \
    tornado-matrices-* tornado-cublas-* tornado-cudnn-* tornado-cufft-* tornado-cusparse-* tornado-cutlass-* jmh-core-* junit-* hamcrest-*)
  rm -rf "$tmp/sdk/examples"
  tar -C "$tmp" -cf - sdk | xz -T0 -6 > "$out/tornadovm.tar.xz"
  rm -rf "$tmp"
fi
echo "gpu-bundle: $(du -sh "$out" | cut -f1) in $out; on the GPU machine run:"
echo "  bash tests/gpu-run.sh [tests|bench|all]"
