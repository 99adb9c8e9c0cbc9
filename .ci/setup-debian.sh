#!/usr/bin/env bash
# Installs the Debian 12 packages ntrun needs to build, test and benchmark (run as root or
# with sudo available). Safe to run again.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config \
  libluajit-5.1-dev luajit libtbb-dev libfmt-dev libcli11-dev libfast-float-dev \
  librandom123-dev libeigen3-dev doctest-dev libbenchmark-dev \
  libzmq3-dev cppzmq-dev libflatbuffers-dev flatbuffers-compiler python3-zmq python3-flatbuffers \
  lua-check >/dev/null
