#!/usr/bin/env bash
# tornado-env.sh: the environment tornado-batch builds and runs in.
#
#   source tornado-env.sh          export JAVA_HOME, PATH, TORNADOVM_HOME, ... into this shell
#   ./tornado-env.sh CMD ARGS...   run CMD in that environment (e.g. ./tornado-env.sh mvn -B verify)
#   ./tornado-env.sh --report      print one screen: JDK, TornadoVM, CUDA, OpenCL, available backends
#
# What it finds and exports:
#   JAVA_HOME, PATH          a JDK >= 25: JAVA_HOME if it qualifies, then /usr/lib/jvm/*, then SDKMAN's java candidates
#   TORNADOVM_HOME, TORNADO_SDK
#                            a TornadoVM SDK: TORNADOVM_HOME, TORNADO_SDK, SDKMAN's tornadovm candidate, /opt/tornadovm*
#   TORNADO_BATCH_LIBCUDA    path of the CUDA driver library (libcuda.so.1), when present
#   TORNADO_BATCH_NVRTC      path of NVRTC (libnvrtc.so.*), when present; its folder joins LD_LIBRARY_PATH
#   TORNADO_BATCH_LIBOPENCL  path of the OpenCL ICD loader (libOpenCL.so.1), when present
#   MAVEN_OPTS               gains --sun-misc-unsafe-memory-access=allow (quiets Maven 3.8 on Java 25)
#
# Overrides, for tests and unusual installs:
#   TORNADO_ENV_JDK_SEARCH   colon-separated folders whose sub-folders are JDKs, searched instead of
#                            /usr/lib/jvm and SDKMAN's java candidates
#   TORNADO_ENV_TORNADO_SEARCH  colon-separated candidate SDK folders searched instead of SDKMAN's and /opt/tornadovm*
#   TORNADO_ENV_LIB_SEARCH   colon-separated folders searched for libcuda, libnvrtc and libOpenCL instead of the
#                            system's (the dynamic linker cache, /usr/lib*, /usr/local/cuda*, Python's nvidia wheels)
#   TORNADO_ENV_MIN_JAVA     the lowest acceptable Java feature version (default 25)

_tbenv_min_java="${TORNADO_ENV_MIN_JAVA:-25}"
_tbenv_sdkman="${SDKMAN_DIR:-$HOME/.sdkman}"

# Feature version of the JDK in $1 (e.g. 25), or nothing when $1 is not a JDK with javac.
_tbenv_jdk_version() {
  local d="$1" v
  [ -n "$d" ] && [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] || return 1
  if [ -r "$d/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$d/release")
  fi
  if [ -z "$v" ]; then
    v=$("$d/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  [ -n "$v" ] || return 1
  case "$v" in 1.*) v="${v#1.}" ;; esac
  echo "$v"
}

_tbenv_major() { local v="${1%%[.+-]*}"; echo "${v:-0}"; }

# Prints the chosen JDK folder; returns 1 when none qualifies.
_tbenv_find_jdk() {
  local d v best="" best_major=0 m parent
  if [ -n "${JAVA_HOME:-}" ] && v=$(_tbenv_jdk_version "$JAVA_HOME") && [ "$(_tbenv_major "$v")" -ge "$_tbenv_min_java" ]; then
    echo "$JAVA_HOME"; return 0
  fi
  local IFS=':' parents
  if [ -n "${TORNADO_ENV_JDK_SEARCH+x}" ]; then
    parents="$TORNADO_ENV_JDK_SEARCH"
  else
    parents="/usr/lib/jvm:$_tbenv_sdkman/candidates/java"
  fi
  for parent in $parents; do
    [ -d "$parent" ] || continue
    for d in "$parent"/*; do
      [ -L "$d" ] && [ "$(basename "$d")" = current ] && continue
      v=$(_tbenv_jdk_version "$d") || continue
      m=$(_tbenv_major "$v")
      if [ "$m" -ge "$_tbenv_min_java" ] && [ "$m" -gt "$best_major" ]; then best="$d"; best_major="$m"; fi
    done
    # The first location that has a qualifying JDK wins (the system's before SDKMAN's).
    [ -n "$best" ] && { echo "$best"; return 0; }
  done
  return 1
}

_tbenv_is_tornado_sdk() { [ -n "$1" ] && { [ -x "$1/bin/tornado" ] || [ -d "$1/share/java/tornado" ]; }; }

_tbenv_find_tornado() {
  local d candidates=()
  [ -n "${TORNADOVM_HOME:-}" ] && candidates+=("$TORNADOVM_HOME")
  [ -n "${TORNADO_SDK:-}" ] && candidates+=("$TORNADO_SDK")
  if [ -n "${TORNADO_ENV_TORNADO_SEARCH+x}" ]; then
    local IFS=':'
    for d in $TORNADO_ENV_TORNADO_SEARCH; do candidates+=("$d"); done
  else
    candidates+=("$_tbenv_sdkman/candidates/tornadovm/current")
    for d in /opt/tornadovm*; do [ -d "$d" ] && candidates+=("$d"); done
  fi
  for d in "${candidates[@]}"; do
    if _tbenv_is_tornado_sdk "$d"; then (cd "$d" && pwd -P); return 0; fi
  done
  return 1
}

# The SDK's backends, comma-separated: from etc/tornado.backend, else from the driver jars it ships.
_tbenv_tornado_backends() {
  local sdk="$1" b=""
  if [ -r "$sdk/etc/tornado.backend" ]; then
    b=$(sed -n 's/^tornado\.backends=//p' "$sdk/etc/tornado.backend" | sed 's/-backend//g')
  fi
  if [ -z "$b" ]; then
    local j
    for j in opencl ptx spirv; do
      compgen -G "$sdk/share/java/tornado/tornado-drivers-$j*.jar" >/dev/null && b="${b:+$b,}$j"
    done
  fi
  echo "$b"
}

# Folders searched for native libraries, most specific first.
_tbenv_lib_dirs() {
  if [ -n "${TORNADO_ENV_LIB_SEARCH+x}" ]; then
    local IFS=':' d
    for d in $TORNADO_ENV_LIB_SEARCH; do echo "$d"; done
    return
  fi
  local d
  for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/lib/wsl/lib \
           /usr/local/nvidia/lib64 /usr/local/cuda/lib64 /usr/local/cuda/targets/*/lib /usr/local/cuda-*/lib64 \
           /usr/local/cuda-*/targets/*/lib /usr/local/lib/python3*/*-packages/nvidia/cuda_nvrtc/lib \
           /usr/lib/python3*/*-packages/nvidia/cuda_nvrtc/lib "$HOME"/.local/lib/python3*/site-packages/nvidia/cuda_nvrtc/lib \
           /opt/conda/lib; do
    [ -d "$d" ] && echo "$d"
  done
}

# First library matching the patterns in $@ (globs), from the linker cache then the folders above.
_tbenv_find_lib() {
  local pat d f
  if [ -z "${TORNADO_ENV_LIB_SEARCH+x}" ] && command -v ldconfig >/dev/null 2>&1; then
    for pat in "$@"; do
      f=$(ldconfig -p 2>/dev/null | awk -v p="$pat" '{ if ($1 ~ "^" p "$") { print $NF; exit } }')
      [ -n "$f" ] && [ -e "$f" ] && { echo "$f"; return 0; }
    done
  fi
  while IFS= read -r d; do
    for pat in "$@"; do
      for f in "$d"/$pat; do
        [ -e "$f" ] && { echo "$f"; return 0; }
      done
    done
  done < <(_tbenv_lib_dirs)
  return 1
}

# Version from a resolved library name: libcuda.so.580.95.05 -> 580.95.05.
_tbenv_lib_version() {
  local real
  real=$(readlink -f "$1" 2>/dev/null || echo "$1")
  real=$(basename "$real")
  case "$real" in *.so.*) echo "${real#*.so.}" ;; *) echo "unknown" ;; esac
}

_tbenv_opencl_platforms() {
  local vendors="${OCL_ICD_VENDORS:-/etc/OpenCL/vendors}" out="" f
  if command -v clinfo >/dev/null 2>&1 && [ -n "${TORNADO_BATCH_LIBOPENCL:-}" ]; then
    out=$(timeout 3 clinfo -l 2>/dev/null | sed -n 's/^Platform #[0-9]*: //p' | paste -sd ',' | sed 's/,/, /g')
  fi
  if [ -z "$out" ] && [ -d "$vendors" ]; then
    for f in "$vendors"/*.icd; do
      [ -e "$f" ] && out="${out:+$out, }$(basename "$f" .icd) ($(head -n 1 "$f"))"
    done
  fi
  echo "$out"
}

_tbenv_prepend_path() { # var dir
  local cur="${!1:-}"
  case ":$cur:" in *":$2:"*) ;; *) printf -v "$1" '%s' "$2${cur:+:$cur}" ;; esac
  export "${1?}"
}

# Finds everything and exports it. Returns 1 (after one line on stderr) when no JDK qualifies.
_tbenv_setup() {
  local jdk searched
  if ! jdk=$(_tbenv_find_jdk); then
    if [ -n "${TORNADO_ENV_JDK_SEARCH+x}" ]; then searched="$TORNADO_ENV_JDK_SEARCH"; else searched="/usr/lib/jvm, $_tbenv_sdkman/candidates/java"; fi
    echo "tornado-env: no JDK ${_tbenv_min_java} or newer found (JAVA_HOME=${JAVA_HOME:-<unset>} is not one; searched ${searched}); install a JDK ${_tbenv_min_java}, e.g. 'apt-get install temurin-${_tbenv_min_java}-jdk' or 'sdk install java ${_tbenv_min_java}-tem', or point JAVA_HOME at one" >&2
    return 1
  fi
  export JAVA_HOME="$jdk"
  _tbenv_prepend_path PATH "$JAVA_HOME/bin"
  # Maven 3.8's bundled Guava calls sun.misc.Unsafe, which Java 24+ warns about on every build.
  case " ${MAVEN_OPTS:-} " in
    *" --sun-misc-unsafe-memory-access="*) ;;
    *) export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow" ;;
  esac

  local sdk
  if sdk=$(_tbenv_find_tornado); then
    export TORNADOVM_HOME="$sdk" TORNADO_SDK="$sdk"
    [ -d "$sdk/bin" ] && _tbenv_prepend_path PATH "$sdk/bin"
  else
    unset TORNADOVM_HOME TORNADO_SDK
  fi

  local lib
  if lib=$(_tbenv_find_lib 'libcuda\.so\.1' 'libcuda.so.1'); then export TORNADO_BATCH_LIBCUDA="$lib"; else unset TORNADO_BATCH_LIBCUDA; fi
  if lib=$(_tbenv_find_lib 'libnvrtc\.so\.1[0-9]' 'libnvrtc.so.1[0-9]' 'libnvrtc\.so' 'libnvrtc.so'); then
    export TORNADO_BATCH_NVRTC="$lib"
    _tbenv_prepend_path LD_LIBRARY_PATH "$(dirname "$lib")"
  else
    unset TORNADO_BATCH_NVRTC
  fi
  if lib=$(_tbenv_find_lib 'libOpenCL\.so\.1' 'libOpenCL.so.1'); then export TORNADO_BATCH_LIBOPENCL="$lib"; else unset TORNADO_BATCH_LIBOPENCL; fi
  return 0
}

_tbenv_report() {
  local default_java jv
  jv=$(_tbenv_jdk_version "$JAVA_HOME")
  default_java=$(command -v -p java >/dev/null 2>&1 && PATH=$(getconf PATH 2>/dev/null || echo /usr/bin:/bin) java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  echo "tornado-batch environment"
  printf '  %-14s %s at %s%s\n' "JDK" "$jv" "$JAVA_HOME" "${default_java:+ (system default java: $default_java)}"

  local backends="" tornado_ok="" tornado_why
  if [ -n "${TORNADOVM_HOME:-}" ]; then
    backends=$(_tbenv_tornado_backends "$TORNADOVM_HOME")
    printf '  %-14s %s (backends: %s)\n' "TornadoVM SDK" "$TORNADOVM_HOME" "${backends:-none found}"
  else
    printf '  %-14s %s\n' "TornadoVM SDK" "not found (set TORNADOVM_HOME to an installed SDK to enable the tornadovm backend)"
  fi

  if [ -n "${TORNADO_BATCH_LIBCUDA:-}" ]; then
    printf '  %-14s %s (%s)\n' "CUDA driver" "$(_tbenv_lib_version "$TORNADO_BATCH_LIBCUDA")" "$TORNADO_BATCH_LIBCUDA"
  else
    printf '  %-14s %s\n' "CUDA driver" "not found (no libcuda.so.1: no NVIDIA driver on this machine)"
  fi
  if [ -n "${TORNADO_BATCH_NVRTC:-}" ]; then
    printf '  %-14s %s (%s)\n' "NVRTC" "$(_tbenv_lib_version "$TORNADO_BATCH_NVRTC")" "$TORNADO_BATCH_NVRTC"
  else
    printf '  %-14s %s\n' "NVRTC" "not found (no libnvrtc.so.12 or .13; install the CUDA toolkit's NVRTC)"
  fi

  local platforms=""
  if [ -n "${TORNADO_BATCH_LIBOPENCL:-}" ]; then
    platforms=$(_tbenv_opencl_platforms)
    printf '  %-14s %s\n' "OpenCL" "loader $TORNADO_BATCH_LIBOPENCL; platforms: ${platforms:-none (no ICD installed; e.g. apt-get install pocl-opencl-icd)}"
  else
    printf '  %-14s %s\n' "OpenCL" "no ICD loader (libOpenCL.so.1); e.g. apt-get install ocl-icd-libopencl1 pocl-opencl-icd"
  fi

  echo "backends"
  printf '  %-10s %s\n' "jvm" "available (always; host memory stands in for device memory)"
  local cuda_ok=""
  if [ -n "${TORNADO_BATCH_LIBCUDA:-}" ] && [ -n "${TORNADO_BATCH_NVRTC:-}" ]; then
    cuda_ok=1; printf '  %-10s %s\n' "cuda" "available (driver and NVRTC found)"
  elif [ -n "${TORNADO_BATCH_LIBCUDA:-}" ]; then
    printf '  %-10s %s\n' "cuda" "unavailable: NVRTC not found"
  else
    printf '  %-10s %s\n' "cuda" "unavailable: no CUDA driver (libcuda.so.1)"
  fi
  if [ -z "${TORNADOVM_HOME:-}" ]; then
    tornado_why="no TornadoVM SDK"
  else
    case ",$backends," in
      *,ptx,*) [ -n "${TORNADO_BATCH_LIBCUDA:-}" ] && tornado_ok="ptx" ;;
    esac
    case ",$backends," in
      *,opencl,*) [ -n "$platforms" ] && tornado_ok="${tornado_ok:+$tornado_ok,}opencl" ;;
    esac
    tornado_why="the SDK's backends (${backends:-none}) have no device here"
  fi
  if [ -n "$tornado_ok" ]; then
    printf '  %-10s %s\n' "tornadovm" "available (through $tornado_ok)"
  else
    printf '  %-10s %s\n' "tornadovm" "unavailable: $tornado_why"
  fi
  local auto=jvm
  [ -n "$tornado_ok" ] && auto=tornadovm
  [ -n "$cuda_ok" ] && auto=cuda
  printf '  %-10s %s\n' "auto" "-> $auto"
}

_tbenv_cleanup() {
  unset -f _tbenv_jdk_version _tbenv_major _tbenv_find_jdk _tbenv_is_tornado_sdk _tbenv_find_tornado \
    _tbenv_tornado_backends _tbenv_lib_dirs _tbenv_find_lib _tbenv_lib_version _tbenv_opencl_platforms \
    _tbenv_prepend_path _tbenv_setup _tbenv_report _tbenv_cleanup
  unset _tbenv_min_java _tbenv_sdkman
}

if (return 0 2>/dev/null); then
  # Sourced: export into the caller's shell; never exit it.
  if _tbenv_setup; then _tbenv_cleanup; else _tbenv_cleanup; return 1; fi
else
  _tbenv_setup || exit 1
  case "${1:-}" in
    --report) _tbenv_report; exit 0 ;;
    ""|-h|--help)
      sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) exec "$@" ;;
  esac
fi
