#!/bin/sh
# Debian packages the test suite drives for real, installed only when missing:
# Chromium (end-to-end site test), hyperfine and Google Benchmark (assay import reads
# their real output), g++ (builds the Google Benchmark program), git (the PR-loop test),
# python3-venv (the README's test command creates a venv).
# Uses sudo when not root, so it also runs on GitHub's hosted runners.
set -eu
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v hyperfine >/dev/null 2>&1 || need="$need hyperfine"
[ -f /usr/include/benchmark/benchmark.h ] || need="$need libbenchmark-dev"
command -v g++ >/dev/null 2>&1 || need="$need g++"
command -v git >/dev/null 2>&1 || need="$need git"
# Debian's python3 comes without venv/ensurepip: the README's next command needs them.
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need="$need python3-venv"
if [ -n "$need" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing Debian packages:$need"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
