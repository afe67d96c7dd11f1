#!/usr/bin/env bash
# Builds every libFuzzer target in fuzz/ the way OSS-Fuzz builds a project,
# and runs as is on a developer machine or in CI (.ci/test stage 4).
#
# Environment (OSS-Fuzz sets all of these; the defaults are for local use):
#   CXX                 compiler                         default clang++-14
#   CXXFLAGS            compile flags, sanitizers and    default -O2 -g, ASan+UBSan,
#                       -fsanitize=fuzzer-no-link                -fsanitize=fuzzer-no-link
#   LIB_FUZZING_ENGINE  link flag or library of the      default -fsanitize=fuzzer (libFuzzer)
#                       fuzzing engine
#   OUT                 where targets, seed corpora      default build/fuzz in the source tree
#                       and dictionaries go
#   WORK                scratch for object files         default $OUT/obj
#   XMPPCORE_WERROR     1: warnings are errors (CI sets it; OSS-Fuzz's newer clang may
#                       warn where clang 14 does not, so off by default)
#   JOBS                targets compiled at once         default: the number of CPUs
#
# What lands in $OUT, per fuzz/<name>.cpp (replay_main.cpp excepted; it is the
# corpus replayer of the ordinary test build):
#   <name>                   the fuzz target
#   <name>_seed_corpus.zip   fuzz/corpus/<name>/, flat (when that folder has files)
#   <name>.dict              fuzz/<name>.dict if there is one, else fuzz/xmpp.dict
# These are the names OSS-Fuzz looks for. A new fuzz/*.cpp is built without
# touching this script.
#
# Layout assumptions: the script finds the source tree from its own location,
# so it works from any directory and does not use $SRC. On OSS-Fuzz the project
# Dockerfile clones the repository into $SRC/xmppcore, installs the packages
# .ci/deps lists (ICU, pugixml and the test-only oracles expat, libxml2, libidn,
# GNU SASL, libcrypto, plus zip and pkg-config) and the project's build.sh
# runs $SRC/xmppcore/fuzz/build.sh. Libraries are found with pkg-config and
# linked from the system: fine for ASan and UBSan builds; MSan would need
# instrumented builds of them, and OSS-Fuzz's libc++ (-stdlib=libc++ in
# CXXFLAGS) needs a pugixml built against it.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${CXX:=clang++-14}"
: "${CXXFLAGS:=-O2 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -fsanitize=fuzzer-no-link}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=$src/build/fuzz}"
: "${WORK:=$OUT/obj}"
: "${JOBS:=$(nproc)}"
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)  # absolute: the corpora are zipped from their own folders
WORK=$(cd "$WORK" && pwd)
export CXX CXXFLAGS LIB_FUZZING_ENGINE OUT WORK

libs=(icu-uc icu-i18n pugixml expat libxml-2.0 libidn libgsasl libcrypto)
if ! pkg_cflags=$(pkg-config --cflags "${libs[@]}") || ! pkg_libs=$(pkg-config --libs "${libs[@]}"); then
  echo "fuzz/build.sh: pkg-config cannot find: ${libs[*]} (see .ci/deps)" >&2
  exit 1
fi
warnings=(-Wall -Wextra -Wpedantic)
if [ "${XMPPCORE_WERROR:-0}" = 1 ]; then warnings+=(-Werror); fi
if ! command -v zip >/dev/null; then
  echo "fuzz/build.sh: zip is needed for the seed corpora (apt-get install zip)" >&2
  exit 1
fi

# Word splitting of the flag variables is intended: they hold several flags.
# shellcheck disable=SC2086
build_one() {
  local cpp=$1 name
  name=$(basename "$cpp" .cpp)
  echo "-- $name"
  $CXX $CXXFLAGS -std=c++20 "${warnings[@]}" -I"$src/include" $pkg_cflags -c "$cpp" -o "$WORK/$name.o"
  $CXX $CXXFLAGS "$WORK/$name.o" -o "$OUT/$name" $LIB_FUZZING_ENGINE $pkg_libs
  rm -f "$OUT/${name}_seed_corpus.zip"
  # Only a folder with files: zip refuses to make an empty archive.
  if [ -n "$(ls -A "$src/fuzz/corpus/$name" 2>/dev/null)" ]; then
    (cd "$src/fuzz/corpus/$name" && zip -q -r -j "$OUT/${name}_seed_corpus.zip" .)
  fi
  if [ -f "$src/fuzz/$name.dict" ]; then
    cp "$src/fuzz/$name.dict" "$OUT/$name.dict"
  else
    cp "$src/fuzz/xmpp.dict" "$OUT/$name.dict"
  fi
}

# One target per invocation of this script (--one), $JOBS at a time.
if [ "${1:-}" = --one ]; then
  build_one "$2"
  exit 0
fi
targets=()
for cpp in "$src"/fuzz/*.cpp; do
  [ "$(basename "$cpp")" = replay_main.cpp ] || targets+=("$cpp")
done
if ! printf '%s\0' "${targets[@]}" | xargs -0 -n 1 -P "$JOBS" "${BASH_SOURCE[0]}" --one; then
  echo "fuzz/build.sh: a target failed to build" >&2
  exit 1
fi
echo "fuzz/build.sh: ${#targets[@]} targets in $OUT"
