#!/usr/bin/env bash
# Packs what the GPU machine needs to run the cuda-tagged integration tests and the CUDA benchmark, which has
# no Java and no Maven: a Java 25 runtime (../shared/tools/device-jre.sh), the built jars, the test classes and
# JUnit's console launcher, all under .device/ (ignored by git; carry it to the device machine).
#
# Usage, from the project root:  tests/gpu-bundle.sh
# Then, on the GPU machine, the line it prints runs the tests and the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.device
junit=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml)
[ -f "$out/jre.tar.xz" ] || ../shared/tools/device-jre.sh "$out" >/dev/null
rm -rf "$out/lib" "$out/bench" "$out/tools" "$out/test-classes"
./tornado-env.sh mvn -B -q install -DskipTests
./tornado-env.sh mvn -B -q -pl tests dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$PWD/$out/lib" \
  -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian
./tornado-env.sh mvn -B -q dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:${junit/5./1.}" \
  -DoutputDirectory="$PWD/$out/tools"
cp -r tests/target/test-classes "$out/test-classes"
mkdir -p "$out/bench" && cp tornado-bench/target/tornado-bench.jar tornado-bench/target/lib/*.jar "$out/bench/"
echo "gpu-bundle: $(du -sh "$out" | cut -f1) in $out; on the GPU machine run:"
echo "  bash tests/gpu-run.sh [tests|bench|all]"
