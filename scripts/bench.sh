#!/usr/bin/env bash
# Runs gradlab's benchmarks and prints one line each:
#   bench NAME gradlab=VALUE other=VALUE ratio=VALUE unit=UNIT
# where "other" is the reference (numpy or PyTorch) measured in the same run and
# ratio = gradlab/other: higher is better for gradlab on rates, lower on times and memory.
# References run on Debian's python3 with python3-numpy and python3-torch (bench/common.bash).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bench/common.bash"

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
