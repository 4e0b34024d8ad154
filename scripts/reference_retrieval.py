#!/usr/bin/python3
"""Compute the reference numbers that lib/retrieval's tests compare against.

Run from the repository root with Debian's Python (numpy 1.24, scikit-learn 1.2, scipy 1.10):

    /usr/bin/python3 scripts/reference_retrieval.py

It writes lib/retrieval/testdata/reference/ and lib/retrieval/testdata/hr-policy-query-slices/tfidf.run.
Everything is seeded, so a rerun rewrites the same files. The tests never run Python.
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import average_precision_score, ndcg_score

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TESTDATA = os.path.join(ROOT, "lib", "retrieval", "testdata")
OUT = os.path.join(TESTDATA, "reference")

VERSIONS = {
    "python": sys.version.split()[0],
    "numpy": np.__version__,
    "sklearn": sklearn.__version__,
    "scipy": scipy.__version__,
}


def write_json(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def write_trec(name, qrels, run, tag):
    """qrels: {qid: {docid: rel}}, run: {qid: [(docid, score)]} in rank order."""
    with open(os.path.join(OUT, name + ".qrels"), "w") as f:
        for qid in sorted(qrels):
            for docid in sorted(qrels[qid]):
                f.write(f"{qid} 0 {docid} {qrels[qid][docid]}\n")
    with open(os.path.join(OUT, name + ".run"), "w") as f:
        for qid in sorted(run):
            for rank, (docid, score) in enumerate(run[qid], 1):
                f.write(f"{qid} Q0 {docid} {rank} {score!r} {tag}\n")


def metrics_reference():
    """Random graded judgments with distinct scores, every document judged and retrieved,
    so sklearn's ndcg_score and average_precision_score match trec_eval's definitions."""
    rng = np.random.default_rng(20240611)
    num_queries, num_docs = 12, 25
    qrels, run, expected = {}, {}, {}
    for q in range(num_queries):
        qid = f"q{q:02d}"
        rels = rng.choice([0, 0, 0, 1, 2, 3], size=num_docs)
        if rels.max() == 0:
            rels[rng.integers(num_docs)] = 1
        scores = rng.permutation(num_docs) + rng.uniform(0, 0.5, num_docs)  # distinct
        docids = [f"d{d:02d}" for d in range(num_docs)]
        qrels[qid] = {docids[d]: int(rels[d]) for d in range(num_docs)}
        order = np.argsort(-scores, kind="stable")
        run[qid] = [(docids[d], float(scores[d])) for d in order]
        y_true, y_score = rels[None, :].astype(float), scores[None, :]
        expected[qid] = {
            "ndcg_cut_5": float(ndcg_score(y_true, y_score, k=5)),
            "ndcg_cut_10": float(ndcg_score(y_true, y_score, k=10)),
            "ndcg_full": float(ndcg_score(y_true, y_score)),
            "map": float(average_precision_score(rels >= 1, scores)),
        }
    write_trec("graded", qrels, run, "sklearn-random")
    write_json("graded_sklearn.json", {
        "source": "sklearn.metrics.ndcg_score(y_true=[rels], y_score=[scores], k=K) and "
                  "average_precision_score(rels >= 1, scores), per query",
        "versions": VERSIONS,
        "queries": expected,
    })


def hr_policy_reference():
    """TF-IDF cosine run over the HR policy chunks, with sklearn's nDCG@10 and AP per
    answerable query (all 42 chunks retrieved, relevance 1 for expected chunks)."""
    folder = os.path.join(TESTDATA, "hr-policy-query-slices")
    corpus = [json.loads(l) for l in open(os.path.join(folder, "corpus.jsonl"))]
    queries = [json.loads(l) for l in open(os.path.join(folder, "queries.jsonl"))]
    vec = TfidfVectorizer(sublinear_tf=True).fit([c["text"] for c in corpus])
    docs = vec.transform([c["text"] for c in corpus])
    qs = vec.transform([q["query"] for q in queries])
    sims = (qs @ docs.T).toarray()
    # Tiny per-document offsets make every score distinct, so no tie rule is involved.
    sims = sims + np.arange(len(corpus))[None, :] * 1e-9
    ids = [c["chunk_id"] for c in corpus]
    with open(os.path.join(folder, "tfidf.run"), "w") as f:
        for qi, q in enumerate(queries):
            order = np.argsort(-sims[qi], kind="stable")
            for rank, d in enumerate(order, 1):
                f.write(f"{q['query_id']} Q0 {ids[d]} {rank} {sims[qi, d]!r} tfidf\n")
    expected = {}
    for qi, q in enumerate(queries):
        rel = np.array([1.0 if i in q["expected_chunks"] else 0.0 for i in ids])
        if rel.sum() == 0:
            continue
        expected[q["query_id"]] = {
            "ndcg_cut_10": float(ndcg_score(rel[None, :], sims[qi][None, :], k=10)),
            "map": float(average_precision_score(rel, sims[qi])),
            "recip_rank": float(1.0 / (1 + np.flatnonzero(rel[np.argsort(-sims[qi], kind="stable")])[0])),
        }
    write_json("hr_policy_tfidf.json", {
        "source": "TfidfVectorizer(sublinear_tf=True) cosine run in hr-policy-query-slices/tfidf.run; "
                  "ndcg_score(k=10), average_precision_score, reciprocal rank from the sorted run",
        "versions": VERSIONS,
        "queries": expected,
    })


def similarity_reference():
    """Small query and document matrices with exact top-5 under dot, cosine and L2, in
    float64. Row 7 of the documents is all zeros: cosine scores it 0 by policy."""
    rng = np.random.default_rng(7)
    q = rng.normal(size=(6, 16)).astype(np.float32)
    d = (rng.normal(size=(40, 16)) * rng.uniform(0.2, 3.0, size=(40, 1))).astype(np.float32)
    d[7] = 0
    np.save(os.path.join(OUT, "sim_queries.npy"), q)
    np.save(os.path.join(OUT, "sim_docs.npy"), d)
    q64, d64 = q.astype(np.float64), d.astype(np.float64)
    dot = q64 @ d64.T
    qn = np.linalg.norm(q64, axis=1, keepdims=True)
    dn = np.linalg.norm(d64, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(dn.T > 0, dot / (qn * dn.T), 0.0)
    l2 = -np.sqrt(((q64[:, None, :] - d64[None, :, :]) ** 2).sum(-1))
    out = {}
    for name, s in (("dot", dot), ("cosine", cos), ("l2", l2)):
        idx = np.argsort(-s, axis=1, kind="stable")[:, :5]
        out[name] = {"indices": idx.tolist(), "scores": np.take_along_axis(s, idx, 1).tolist()}
    write_json("similarity.json", {
        "source": "numpy float64: dot = Q @ D.T, cosine = dot / (|q| |d|) with 0 for zero-norm d, "
                  "l2 = -||q - d||; top 5 by np.argsort(-s, kind='stable')",
        "versions": VERSIONS,
        "top5": out,
    })


def float16_reference():
    """Norms and the query-row dot products of the bge-m3 float16 file, computed in float64."""
    x = np.load(os.path.join(TESTDATA, "bge-m3-fp16-it", "embeddings.npy"))
    assert x.dtype == np.float16, x.dtype
    x64 = x.astype(np.float64)
    norms = np.linalg.norm(x64, axis=1)
    dots = x64[:7] @ x64[7]
    write_json("bge_m3_fp16.json", {
        "source": "np.load(embeddings.npy).astype(np.float64); norms = np.linalg.norm(axis=1); "
                  "dots = rows 0-6 @ row 7",
        "versions": VERSIONS,
        "shape": list(x.shape),
        "dtype": str(x.dtype),
        "first_values_row0": [float(v) for v in x64[0, :4]],
        "norms": norms.tolist(),
        "dots_row7": dots.tolist(),
        "argmax_row7": int(np.argmax(dots)),
    })


def stats_reference():
    """Exact paired permutation p-values from scipy and percentiles from numpy."""
    a = np.array([0.61, 0.50, 0.72, 0.33, 0.90, 0.41, 0.55, 0.68, 0.47, 0.80])
    b = np.array([0.52, 0.49, 0.60, 0.35, 0.71, 0.30, 0.58, 0.51, 0.40, 0.66])
    res = scipy.stats.permutation_test(
        (a, b), lambda x, y: np.mean(x - y), permutation_type="samples",
        alternative="two-sided", n_resamples=np.inf)
    xs = np.array([0.9, 0.1, 0.4, 0.4, 0.7, 0.0, 1.0, 0.25, 0.6, 0.35, 0.8])
    ys = np.array([3.0, 1.0, 2.0, 2.5, 2.5, 0.5, 4.0, 1.0, 3.5, 1.5, 2.5])
    write_json("stats.json", {
        "source": "scipy.stats.permutation_test((a, b), mean(x - y), permutation_type='samples', "
                  "alternative='two-sided', n_resamples=inf); np.quantile(xs, q) with the default linear method; "
                  "scipy.stats.pearsonr(xs, ys) and spearmanr(xs, ys) (ties get average ranks)",
        "versions": VERSIONS,
        "paired_a": a.tolist(),
        "paired_b": b.tolist(),
        "paired_pvalue": float(res.pvalue),
        "quantile_xs": xs.tolist(),
        "quantiles": {str(q): float(np.quantile(xs, q)) for q in (0.025, 0.5, 0.975)},
        "corr_ys": ys.tolist(),
        "pearson": float(scipy.stats.pearsonr(xs, ys)[0]),
        "spearman": float(scipy.stats.spearmanr(xs, ys)[0]),
    })


def main():
    os.makedirs(OUT, exist_ok=True)
    metrics_reference()
    hr_policy_reference()
    similarity_reference()
    float16_reference()
    stats_reference()
    print("wrote", OUT)


if __name__ == "__main__":
    main()
