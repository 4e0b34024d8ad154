"""Measures float32 square matmul with numpy, timed like bench/matmul: 5 trials of at least
TRIAL seconds each, best trial counts. Prints "matmul N GFLOPS" per size and, on stderr, the
BLAS library numpy runs (threadpoolctl). Run with Debian's python3 and python3-numpy."""
import sys
import time

import numpy as np

sizes = [int(s) for s in sys.argv[1].split(",")] if len(sys.argv) > 1 else [256, 1024, 2048]
trial = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
try:
    from threadpoolctl import threadpool_info
    for info in threadpool_info():
        print("numpy: %s %s %s threads=%s" % (info.get("internal_api"), info.get("version"),
              info.get("architecture"), info.get("num_threads")), file=sys.stderr)
except ImportError:
    print("numpy: threadpoolctl missing, BLAS unknown", file=sys.stderr)
rng = np.random.default_rng(0)
for n in sizes:
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    a @ b
    best = 0.0
    for _ in range(5):
        reps, start = 0, time.perf_counter()
        while time.perf_counter() - start < trial:
            a @ b
            reps += 1
        per_op = (time.perf_counter() - start) / reps
        best = max(best, 2 * n**3 / per_op / 1e9)
    print("matmul %d %.2f" % (n, best))
