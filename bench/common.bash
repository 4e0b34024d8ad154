# Shared set-up of the benchmark scripts (bench/*.sh and scripts/bench.sh), sourced after
# `set -euo pipefail`. It moves to the repository root and defines:
#   py       Debian's python3 (/usr/bin/python3) for the numpy and torch references
#   ref      runs py with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset: those settings,
#            meant for old OpenBLAS builds, slow a current numpy down
#   tmp      a temporary folder, removed on exit
#   line     prints "bench NAME gradlab=G other=O ratio=G/O unit=UNIT"
# The name ends in .bash so the bench/*.sh loop of scripts/bench.sh does not run it.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3} GOEXPERIMENT=${GOEXPERIMENT-simd}
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
ref() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

line() { # NAME GRADLAB OTHER UNIT
  awk -v n="$1" -v g="$2" -v o="$3" -v u="$4" 'BEGIN { printf "bench %s gradlab=%.4g other=%.4g ratio=%.3f unit=%s\n", n, g, o, (o > 0 ? g / o : 0), u }'
}
