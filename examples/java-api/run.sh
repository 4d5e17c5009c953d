#!/usr/bin/env bash
# Builds and runs the Java API example against the installed tornado-batch library (installs it first if missing).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../tornado-env.sh
source "$root/tornado-env.sh" || exit 1
if ! ls ~/.m2/repository/org/tornadobatch/tornado-solver/0.1.0-SNAPSHOT/*.jar >/dev/null 2>&1; then
  (cd "$root" && mvn -B -q install -DskipTests -pl tornado-solver -am)
fi
(cd "$here" && mvn -B -q package)
exec java --enable-native-access=ALL-UNNAMED -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  org.tornadobatch.examples.VanDerPolSweep "$@"
