"""Reference counts and values for the curves tests, computed with Python's own json and
csv modules (an independent reader). Run from lib/curves: python3 testdata/reference.py
It writes testdata/reference.json."""
import csv
import json
import math

out = {}
for name in ["bert-100ep-trainonly-oldschema", "distilbert-lora-imdb-3ep-eval-per-epoch",
             "mistral7b-lora-translator-noeval", "tinyllama-lora-sft-earlystop-plateau"]:
    with open(f"examples/{name}.json") as f:
        state = json.load(f)
    hist = state["log_history"]
    train = [r for r in hist if "loss" in r]
    evals = [r for r in hist if "eval_loss" in r]
    summary = [r for r in hist if "train_runtime" in r]
    out[name] = {
        "train_points": len(train),
        "first_train": [train[0]["step"], train[0]["loss"]],
        "last_train": [train[-1]["step"], train[-1]["loss"]],
        "eval_points": len(evals),
        "eval": [[r["step"], r["eval_loss"]] for r in evals],
        "grad_norm_points": sum(1 for r in hist if "grad_norm" in r),
        "summary_train_loss": summary[0]["train_loss"] if summary else None,
        "eval_steps": state.get("eval_steps"),
    }

rows = list(csv.DictReader(open("examples/lightning-slm-metrics.csv")))
def series(col):
    return [[int(r["step"]), float(r[col])] for r in rows if r[col] != ""]
out["lightning-slm-metrics"] = {
    "val_loss": series("val_loss"),
    "train_loss_epoch": series("train_loss_epoch"),
    "train_loss_step_points": len(series("train_loss_step")),
}

for tag in ["eval_loss", "eval_accuracy", "train_loss"]:
    rows = list(csv.DictReader(open(f"examples/tb-bert-cyberbullying/{tag}.csv")))
    out["tb-" + tag] = [[int(r["Step"]), float(r["Value"])] for r in rows]

with open("testdata/reference.json", "w") as f:
    json.dump(out, f, indent=1)
