#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs the dependencies, lints all
# Lua with luacheck, builds Release and runs every test (doctest, Lua specs, end-to-end),
# then builds with ASan+UBSan and runs the tests again, then the threaded tests (transport,
# agents, the live feed) under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
./.ci/setup-debian.sh
luacheck --quiet .
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release -j2
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan -j2
cmake --preset tsan >/dev/null
cmake --build --preset tsan
ctest --preset tsan
