#!/usr/bin/env bash
# Runs gradlab's benchmarks and prints one line each:
#   bench NAME gradlab=VALUE other=VALUE ratio=VALUE unit=UNIT
# where "other" is the reference (numpy or PyTorch) measured in the same run and
# ratio = gradlab/other for rates (higher is better for gradlab).
# References run on Debian's python3 (/usr/bin/python3) with python3-numpy and python3-torch.
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, when set for old OpenBLAS builds, slow a current
# numpy down, so they are unset for the reference commands only.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export GOTOOLCHAIN=go1.27.3
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
ref() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

line() { # NAME GRADLAB OTHER UNIT
  awk -v n="$1" -v g="$2" -v o="$3" -v u="$4" 'BEGIN { printf "bench %s gradlab=%.4g other=%.4g ratio=%.3f unit=%s\n", n, g, o, (o > 0 ? g / o : 0), u }'
}

# 1. float32 matmul GFLOP/s: three builds of the go backend against numpy.
sizes=256,1024,2048
GOEXPERIMENT=simd go build -o "$tmp/matmul-simd" ./bench/matmul
GOEXPERIMENT= go build -o "$tmp/matmul-plain" ./bench/matmul
ref bench/matmul_numpy.py "$sizes" > "$tmp/numpy.txt"
declare -A configs=(
  [simd_ops_sequential]="matmul-simd go:ops_sequential"
  [simd_go]="matmul-simd go"
  [nosimd_ops_sequential]="matmul-plain go:ops_sequential"
)
for name in simd_ops_sequential simd_go nosimd_ops_sequential; do
  read -r binary cfg <<<"${configs[$name]}"
  GOMLX_BACKEND=$cfg "$tmp/$binary" -sizes "$sizes" > "$tmp/$name.txt"
  while read -r _ n gflops; do
    other=$(awk -v n="$n" '$2 == n { print $3 }' "$tmp/numpy.txt")
    line "matmul_f32_n${n}_${name}" "$gflops" "$other" GFLOP/s
  done < "$tmp/$name.txt"
done

# 2. Other benchmarks register a script in bench/*.sh that prints lines in the same format.
for script in bench/*.sh; do
  [ -e "$script" ] || continue
  bash "$script"
done
