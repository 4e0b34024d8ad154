#!/usr/bin/env bash
# Times reading a training log into per-key series: lib/curves (go test -bench) against
# Python's json and csv modules doing the same extraction (bench/curves_python.py), in the
# same run. Prints
#   bench curves_read_trainer_state gradlab=MS other=MS ratio=gradlab/other unit=ms
#   bench curves_read_lightning_csv gradlab=MS other=MS ratio=gradlab/other unit=ms
# so a ratio below 1 means gradlab is faster. gradlab also cleans the series (resume rule,
# non-finite values, reloaded best), which the Python side does not.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

go_ms() { # BENCHMARK -> milliseconds per read
  go test -run '^$' -bench "^$1\$" -benchtime 200x ./lib/curves | awk '$1 ~ /^Benchmark/ { printf "%.6f\n", $3 / 1e6 }'
}
read -r _ py_ts py_csv < <("$py" bench/curves_python.py lib/curves/examples | paste -sd' ' | awk '{print "x", $2, $4}')
for pair in "trainer_state ReadTrainerState $py_ts" "lightning_csv ReadLightningCSV $py_csv"; do
  set -- $pair
  g=$(go_ms "Benchmark$2")
  awk -v n="$1" -v g="$g" -v o="$3" 'BEGIN { printf "bench curves_read_%s gradlab=%.4g other=%.4g ratio=%.3f unit=ms\n", n, g, o, (o > 0 ? g / o : 0) }'
done
