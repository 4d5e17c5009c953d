#!/usr/bin/env bash
# Writes the JVM flags that TornadoVM's launcher gives (`tornado --printJavaFlags`, without the java command
# itself) as a Java argument file, one flag per line, with the launcher's own argument files expanded (an
# argument file may not name another). The tests module's tornadovm run and tests/gpu-run.sh start their JVMs
# with it.
#
# Usage: tests/tornadovm-flags.sh OUT_FILE      (TORNADOVM_HOME: the SDK)
set -euo pipefail
out=${1:?usage: tornadovm-flags.sh OUT_FILE}
[ -x "${TORNADOVM_HOME:-}/bin/tornado" ] || { echo "tornadovm-flags: TORNADOVM_HOME (${TORNADOVM_HOME:-unset}) has no bin/tornado" >&2; exit 2; }
err=$(mktemp)
trap 'rm -f "$err"' EXIT
if ! line=$("$TORNADOVM_HOME/bin/tornado" --printJavaFlags 2>"$err") || [ -z "$line" ]; then
  echo "tornadovm-flags: $TORNADOVM_HOME/bin/tornado --printJavaFlags failed: $(cat "$err")" >&2
  exit 2
fi
read -ra words <<< "$line"
for w in "${words[@]:1}"; do
  case "$w" in
    @*) grep -v '^[[:space:]]*#' "${w#@}" | tr -s ' \t' '\n\n' | sed '/^$/d' ;;
    *) printf '%s\n' "$w" ;;
  esac
done > "$out.tmp"
mv "$out.tmp" "$out"
