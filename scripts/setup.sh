#!/usr/bin/env bash
# Prepares a machine to run gradlab's chapters: checks the Go 1.27 toolchain, installs
# Jupyter when missing, and installs the "gradlab" kernel (kernels/install.sh).
# Safe to run again: it installs only what is missing.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export GOTOOLCHAIN=go1.27.3

fail() {
  echo "setup: $1" >&2
  [ -n "${2:-}" ] && echo "  fix: $2" >&2
  exit 1
}

command -v go >/dev/null || fail "go is not on PATH" "install Go 1.21 or newer from https://go.dev/dl/; it fetches $GOTOOLCHAIN by itself"
# The first call may download the toolchain and say so on stderr; only stdout is the version.
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if ! v=$(cd "$repo" && go env GOVERSION 2>"$errors") || [[ $v != go1.27* ]]; then
  fail "the Go $GOTOOLCHAIN toolchain is not available (go env GOVERSION printed '$v', errors: $(tail -n 3 "$errors"))" \
    "export GOTOOLCHAIN=$GOTOOLCHAIN with access to the Go module proxy, or install $GOTOOLCHAIN by hand"
fi

have_jupyter() {
  command -v jupyter >/dev/null && jupyter nbconvert --version >/dev/null 2>&1 &&
    jupyter notebook --version >/dev/null 2>&1 && jupyter kernelspec list >/dev/null 2>&1
}

if ! have_jupyter; then
  if command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "setup: installing Jupyter from Debian packages (jupyter-notebook jupyter-nbconvert jupyter-client)"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq || fail "apt-get update failed" "check the apt sources, or install Jupyter with pip"
    $sudo apt-get install -y -qq --no-install-recommends jupyter-notebook jupyter-nbconvert jupyter-client python3-ipykernel >/dev/null ||
      fail "apt-get install of Jupyter failed" "run: sudo apt-get install jupyter-notebook jupyter-nbconvert jupyter-client"
  elif command -v pip3 >/dev/null || command -v pip >/dev/null; then
    pip=$(command -v pip3 || command -v pip)
    echo "setup: installing Jupyter with $pip install --user notebook nbconvert (no apt-get on this machine)"
    "$pip" install --user notebook nbconvert || fail "pip install of Jupyter failed" "install Jupyter (notebook, nbconvert) by hand"
    export PATH="$HOME/.local/bin:$PATH"
  else
    fail "Jupyter is missing and neither apt-get nor pip is available" "install Jupyter (notebook and nbconvert) by hand"
  fi
  have_jupyter || fail "Jupyter was installed but 'jupyter nbconvert' still does not run" "check that ~/.local/bin is on PATH"
else
  echo "setup: Jupyter present ($(command -v jupyter), nbconvert $(jupyter nbconvert --version 2>/dev/null))"
fi

"$repo/kernels/install.sh"
