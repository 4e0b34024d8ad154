#!/usr/bin/env bash
# Times top-10 retrieval of 1,000 queries over 100,000 documents of 384 float32 dimensions,
# cosine and dot, with lib/retrieval (GoMLX backend, chunked, top-k on the host) and with
# NumPy on the same .npy files in the same run. Prints, per similarity,
#   bench retrieval_top10_SIM_time   gradlab=SECONDS other=SECONDS ratio=gradlab/other unit=s
#   bench retrieval_top10_SIM_peak   gradlab=MIB     other=MIB     ratio=gradlab/other unit=MiB
# so a ratio below 1 means gradlab is faster or smaller. It stops with an error when the
# two sides disagree on the documents found for the first 20 queries.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

ref bench/retrieval_numpy.py gen "$tmp"
go build -o "$tmp/retrieval" ./bench/retrieval
for sim in cosine dot; do
  read -r _ _ g_time g_peak < <("$tmp/retrieval" -queries "$tmp/queries.npy" -docs "$tmp/docs.npy" \
    -sim "$sim" -k 10 -dump "$tmp/go_$sim.json" 2>/dev/null)
  read -r _ _ n_time n_peak < <(ref bench/retrieval_numpy.py run "$tmp" "$sim" 10 "$tmp/np_$sim.json")
  ref - "$tmp/go_$sim.json" "$tmp/np_$sim.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
same = sum(len(set(x) & set(y)) for x, y in zip(a, b)) / sum(len(x) for x in a)
if same < 0.99:
    sys.exit("retrieval bench: gradlab and numpy agree on only %.1f%% of the top-10 documents" % (100 * same))
PY
  awk -v n="retrieval_top10_${sim}_time" -v g="$g_time" -v o="$n_time" \
    'BEGIN { printf "bench %s gradlab=%.4g other=%.4g ratio=%.3f unit=s\n", n, g, o, g / o }'
  awk -v n="retrieval_top10_${sim}_peak" -v g="$g_peak" -v o="$n_peak" \
    'BEGIN { printf "bench %s gradlab=%.4g other=%.4g ratio=%.3f unit=MiB\n", n, g, o, (o > 0 ? g / o : 0) }'
done
