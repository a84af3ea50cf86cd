#!/usr/bin/env bash
# Builds Beam's Prism runner (Go), at the apache-beam version the venv has, from the Go module
# proxy with `go install`, into .cache/prism/v<version>/prism; prints the binary's path.
# tests/e2e/test_prism.py runs tuneprep on it (`--runner PrismRunner --prism_location PATH`).
# Beam's PrismRunner would otherwise download a prebuilt binary itself: give --prism_location.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
version=$("$PY" -c 'from importlib.metadata import version; print(version("apache-beam"))')
dest="$PWD/.cache/prism/v$version"
if [ -x "$dest/prism" ]; then echo "$dest/prism"; exit 0; fi
command -v go >/dev/null 2>&1 || { echo "fetch-prism: no Go toolchain (go) on PATH" >&2; exit 1; }
mkdir -p "$dest"
# one package at a time and niced: the build takes ~2 minutes of CPU on a shared 2-core machine
GOBIN="$dest" GOFLAGS="${GOFLAGS:-} -p=1" nice -n 10 \
    go install "github.com/apache/beam/sdks/v2/go/cmd/prism@v$version" >&2
echo "$dest/prism"
