#!/usr/bin/env bash
# Runs the task-graph example (java/org/tornadobatch/examples/LorenzTaskGraph.java): the integrator as a task of a
# TornadoVM task graph of its own, followed by a task of the example's own.
#
#   examples/task-graph/run.sh [N] [memProportion]      e.g. examples/task-graph/run.sh 1000000 0.01
#
# Needs a TornadoVM SDK (TORNADOVM_HOME, or where tornado-env.sh finds one). Builds the project's jars when
# needed (through ./tornado-batch), compiles the example with -g (TornadoVM needs the local variable tables)
# into target/examples/task-graph, and starts it through ./tornado-batch under TornadoVM's launcher.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../tornado-env.sh
source "$root/tornado-env.sh" || exit 1
if [ -z "${TORNADOVM_HOME:-}" ]; then
  echo "task-graph example: needs a TornadoVM SDK; none was found (set TORNADOVM_HOME to an SDK with bin/tornado)" >&2
  exit 2
fi
"$root/tornado-batch" --version >/dev/null # builds the jars first when needed
out="$root/target/examples/task-graph"
mkdir -p "$out"
javac -g -proc:none -d "$out" --module-path "$TORNADOVM_HOME/share/java/tornado" --add-modules tornado.api \
  -cp "$root/tornado-cli/target/tornado-cli.jar:$root/tornado-cli/target/lib/*:$root/tornado-vm/target/tornado-vm.jar" \
  "$here/java/org/tornadobatch/examples/LorenzTaskGraph.java"
TORNADO_BATCH_MAIN=org.tornadobatch.examples.LorenzTaskGraph TORNADO_BATCH_CLASSPATH="$out" \
  exec "$root/tornado-batch" "${1:-100000}" "${2:-1.0}" "$root/examples/lorenz.ode"
