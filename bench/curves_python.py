"""Reference timings for bench/curves.sh: reading the same logs with Python's json and csv
modules into per-key (step, value) lists, the work lib/curves does. Prints one line per
file: NAME MILLISECONDS (median of 50 repetitions)."""
import csv
import json
import statistics
import sys
import time


def read_trainer_state(path):
    with open(path) as f:
        state = json.load(f)
    series = {}
    for row in state["log_history"]:
        step = row.get("step")
        for k, v in row.items():
            if k != "step" and isinstance(v, (int, float)):
                series.setdefault(k, []).append((step, float(v)))
    return series


def read_step_table(path):
    series = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            step = int(row["step"])
            for k, v in row.items():
                if k != "step" and v != "":
                    series.setdefault(k, []).append((step, float(v)))
    return series


def median_ms(fn, path, n=50):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


root = sys.argv[1]
print("trainer_state", median_ms(read_trainer_state, root + "/mistral7b-lora-translator-noeval.json"))
print("lightning_csv", median_ms(read_step_table, root + "/lightning-slm-metrics.csv"))
