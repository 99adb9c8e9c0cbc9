#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs the dependencies, builds
# Release and runs every test (doctest, Lua specs, end-to-end), then builds with
# ASan+UBSan and runs the tests again, then lints all Lua with luacheck.
set -euo pipefail
cd "$(dirname "$0")/.."
./.ci/setup-debian.sh
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release -j2
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan -j2
luacheck --quiet .
