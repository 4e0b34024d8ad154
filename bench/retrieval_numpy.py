"""NumPy side of bench/retrieval.sh, on Debian's python3-numpy.

    retrieval_numpy.py gen DIR            writes DIR/queries.npy [1000, 384] and DIR/docs.npy [100000, 384]
    retrieval_numpy.py run DIR SIM K DUMP times top-k search, prints "retrieval SIM SECONDS PEAK_MIB"

The search is the usual NumPy idiom: the full score matrix (after normalizing rows for
cosine, zero rows kept at 0), np.argpartition for the k best per row, then a sort of those k.
SECONDS is the median of 3 timed runs after one warm-up; PEAK_MIB is the growth of the
process's peak resident memory (VmHWM, reset through /proc/self/clear_refs) over its
resident memory after loading, measured as in bench/retrieval/main.go.
"""
import json
import os
import sys
import time

import numpy as np


def gen(out):
    rng = np.random.default_rng(2024)
    queries = rng.standard_normal((1000, 384), dtype=np.float32)
    docs = rng.standard_normal((100000, 384), dtype=np.float32)
    # Row norms spread over a log-normal range, so dot and cosine rank differently.
    docs *= rng.lognormal(0.0, 0.5, size=(100000, 1)).astype(np.float32)
    np.save(os.path.join(out, "queries.npy"), queries)
    np.save(os.path.join(out, "docs.npy"), docs)


def normalize(x):
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def search(queries, docs, sim, k):
    if sim == "cosine":
        queries, docs = normalize(queries), normalize(docs)
    scores = queries @ docs.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def status_mib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return float(line.split()[1]) / 1024
    return 0.0


def run(out, sim, k, dump):
    queries = np.load(os.path.join(out, "queries.npy"))
    docs = np.load(os.path.join(out, "docs.npy"))
    baseline = status_mib("VmRSS:")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    search(queries, docs, sim, k)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        top = search(queries, docs, sim, k)
        times.append(time.perf_counter() - start)
    peak = status_mib("VmHWM:") - baseline
    print("retrieval %s %.4f %.1f" % (sim, sorted(times)[1], max(peak, 0.0)))
    with open(dump, "w") as f:
        json.dump(top[:20].tolist(), f)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
