"""Reference numbers for the diagnose tests, computed with SciPy 1.10 (Debian
python3-scipy). Run: /usr/bin/python3 testdata/reference.py > testdata/reference.json"""
import json

import numpy as np
from scipy import stats

a = [0.412, 0.405, 0.398, 0.421, 0.409]
b = [0.431, 0.428, 0.440, 0.425, 0.437]
c = [0.415, 0.402, 0.430, 0.399, 0.419]
out = {}
for name, (x, y) in {"a_vs_b": (a, b), "a_vs_c": (a, c)}.items():
    res = stats.ttest_ind(x, y, equal_var=False)
    # SciPy 1.10's ttest_ind does not return df or an interval; both follow Welch's formula.
    va, vb = np.var(x, ddof=1) / len(x), np.var(y, ddof=1) / len(y)
    df = (va + vb) ** 2 / (va ** 2 / (len(x) - 1) + vb ** 2 / (len(y) - 1))
    half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
    d = np.mean(x) - np.mean(y)
    out[name] = {"t": res.statistic, "p": res.pvalue, "df": df, "low": d - half, "high": d + half}
xs = [0, 1, 2, 3, 5, 8]
ys = [1.0, 0.8, 0.75, 0.5, 0.45, 0.1]
lr = stats.linregress(xs, ys)
t = stats.t.ppf(0.975, len(xs) - 2)
out["linregress"] = {"slope": lr.slope, "low": lr.slope - t * lr.stderr, "high": lr.slope + t * lr.stderr}
out["t_ppf_0975"] = {str(df): stats.t.ppf(0.975, df) for df in [1, 2, 4, 10, 30]}
print(json.dumps(out, indent=1))
