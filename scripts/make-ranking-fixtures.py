"""Writes __test__/fixtures/ranx.json: runs, relevance judgements and what
ranx (PyPI `ranx`) computes on them, for the parity tests of `evaluate`,
the fusions and `tuneFusion` (__test__/evaluation.test.js).

Never run in CI: it needs ranx from PyPI (pip install ranx==0.3.21). Run it
again (python scripts/make-ranking-fixtures.py) after changing it and commit
what it writes.

ranx breaks score ties in an unspecified order (numba's quicksort), while
lancerank breaks them as trec_eval does (document id, descending). So the
metric fixtures tie only documents of equal relevance, where the order
among them changes no metric, and the fusion fixtures tie nothing. Fused
runs do tie (RRF gives rank 1 in one list and rank 1 in the other the same
score): the tuning fixture keeps ranx's own optimization report and winner,
and also each configuration's score with its fused run's ties broken as
trec_eval breaks them, still computed by ranx.evaluate.
"""

import importlib.metadata
import json
import random
import re
from pathlib import Path

from ranx import Qrels, Run, evaluate, fuse, optimize_fusion
from ranx.fusion import rrf as ranx_rrf, wsum as ranx_wsum
from ranx.normalization import norm_switch

OUT = Path(__file__).resolve().parent.parent / "__test__" / "fixtures" / "ranx.json"
rng = random.Random(20261126)

METRICS = [
    "ndcg@5", "ndcg@10", "ndcg", "ndcg@10-l2",
    "mrr@10", "mrr", "mrr@3",
    "recall@5", "recall@50", "recall@10-l2",
    "precision@5", "precision@10", "precision@100",
    "map@10", "map",
    "hit_rate@1", "hit_rate@5",
]


def doc(i):
    return f"d{i}"


def metric_case():
    """Graded judgements (0 to 3), ties only among equal relevance, a query
    whose judgements are all 0, one missing from the run, one the run has
    but the judgements do not, an empty run list, runs shorter than k."""
    qrels, run = {}, {}
    for q in range(60):
        qid = f"q{q}"
        pool = rng.sample(range(200), rng.randint(1, 40))
        judged = rng.sample(pool, max(1, len(pool) // 3))
        qrels[qid] = {doc(d): rng.choice([0, 1, 1, 2, 3]) for d in judged}
        if rng.random() < 0.3:
            qrels[qid][doc(rng.randint(200, 260))] = rng.randint(1, 3)  # never retrieved
        rels = {doc(d): qrels[qid].get(doc(d), 0) for d in pool}
        # score mod 4 is the relevance: equal scores mean equal relevance.
        run[qid] = {d: float(rng.randint(0, 6) * 4 + r) for d, r in rels.items()}
    qrels["q0"] = {k: 0 for k in qrels["q0"]}  # no relevant documents
    del run["q1"]  # missing from the run
    run["q2"] = {}  # nothing retrieved
    run["unjudged"] = {"d1": 1.0}  # no judgements: ignored
    r, qr = Run(run), Qrels(qrels)
    r.make_comparable(qr)
    means = evaluate(qr, r, METRICS)
    per_query = {m: {q: float(v) for q, v in r.scores[m].items()} for m in METRICS}
    return {"run": run, "qrels": qrels, "metrics": METRICS, "means": {m: float(v) for m, v in means.items()}, "perQuery": per_query}


def untied_run(queries, docs_per_query):
    run = {}
    for q in queries:
        ids = rng.sample(range(300), docs_per_query)
        run[q] = {doc(d): rng.uniform(-2.0, 5.0) for d in ids}
    return run


def fusion_case():
    """Three runs over the same queries, continuous scores (no ties), each
    missing some documents of the others; every fusion ranx shares with
    lancerank."""
    queries = [f"q{q}" for q in range(12)]
    runs = [untied_run(queries, rng.randint(5, 25)) for _ in range(3)]
    # Overlap: every run also holds some of run 0's documents.
    for run in runs[1:]:
        for q in queries:
            for d in list(runs[0][q])[:4]:
                run[q].setdefault(d, rng.uniform(-2.0, 5.0))
    ranx_runs = [Run(r) for r in runs]
    cases = []
    for norm, ours in [("min-max", "minmax"), ("max", "max"), ("sum", "sum"), ("zmuv", "zscore"), ("rank", "rank")]:
        for method, combination, params, weights in [
            ("sum", "sum", {}, None),
            ("mnz", "mnz", {}, None),
            ("wsum", "sum", {"weights": [0.5, 0.2, 0.3]}, [0.5, 0.2, 0.3]),
        ]:
            fused = fuse(ranx_runs, norm=norm, method=method, params=params)
            cases.append({
                "fusion": "score",
                "options": {"normalization": ours, "combination": combination, **({"weights": weights} if weights else {})},
                "ranx": f"fuse(norm='{norm}', method='{method}', params={params})",
                "fused": {q: dict(fused[q]) for q in queries},
            })
    for k in [60, 10]:
        fused = fuse(ranx_runs, norm=None, method="rrf", params={"k": k})
        cases.append({"fusion": "rrf", "options": {"k": k}, "ranx": f"fuse(norm=None, method='rrf', params={{'k': {k}}})", "fused": {q: dict(fused[q]) for q in queries}})
    # Each run in ranx's order (score descending): the order of the result sets' rows.
    ordered = [{q: dict(sorted(r[q].items(), key=lambda kv: -kv[1])) for q in queries} for r in runs]
    return {"runs": ordered, "cases": cases}


def tuning_case():
    """A vector and a full-text list per query (vector scores are 1 −
    _distance), graded judgements, and ranx.optimize_fusion's winners."""
    queries = [f"q{q}" for q in range(40)]
    distances, fts, qrels = {}, {}, {}
    for q in queries:
        ids = rng.sample(range(400), 45)
        v_ids, f_ids = ids[:30], ids[15:]
        distances[q] = dict(sorted(((doc(d), rng.uniform(0.0, 1.5)) for d in v_ids), key=lambda kv: kv[1]))
        fts[q] = dict(sorted(((doc(d), rng.uniform(0.0, 20.0)) for d in f_ids), key=lambda kv: -kv[1]))
        qrels[q] = {doc(d): rng.choice([1, 1, 2, 3]) for d in rng.sample(ids, 6)}
    vector_run = Run({q: {d: 1.0 - x for d, x in distances[q].items()} for q in queries})
    fts_run = Run(fts)
    qr = Qrels(qrels)
    metric = "ndcg@10"
    wsum, wsum_report = optimize_fusion(qr, [vector_run, fts_run], norm="min-max", method="wsum", metric=metric, return_optimization_report=True, show_progress=False)
    rrf, rrf_report = optimize_fusion(qr, [vector_run, fts_run], norm="min-max", method="rrf", metric=metric, return_optimization_report=True, show_progress=False)
    norm_runs = [norm_switch("min-max")(r) for r in (vector_run, fts_run)]

    def trec_scored(fused):
        """ranx.evaluate of `fused` with ties broken by document id, descending."""
        ordered = {}
        for q in queries:
            docs = sorted(fused[q].items(), key=lambda kv: (-kv[1], tuple(-ord(c) for c in kv[0])))
            ordered[q] = {d: float(len(docs) - i) for i, (d, _) in enumerate(docs)}
        return float(evaluate(qr, Run(ordered), metric))

    weights_grid = [(i / 10, (10 - i) / 10) for i in range(11)]
    wsum_trec = {f"{v:.1f},{f:.1f}": trec_scored(ranx_wsum(norm_runs, [v, f])) for v, f in weights_grid}
    rrf_trec = {str(k): trec_scored(ranx_rrf(norm_runs, k)) for k in range(10, 101, 10)}
    return {
        "metric": metric,
        "distances": distances,
        "fts": fts,
        "qrels": qrels,
        "wsum": {
            "best": list(wsum["weights"]),
            "report": {",".join(re.findall(r"\d+\.\d+", c)): float(v) for c, v in zip(wsum_report.configs, wsum_report.results)},
            "trecTies": wsum_trec,
        },
        "rrf": {"best": rrf["k"], "report": dict(zip(rrf_report.configs, map(float, rrf_report.results))), "trecTies": rrf_trec},
    }


def main():
    fixture = {
        "versions": {"ranx": importlib.metadata.version("ranx")},
        "metrics": metric_case(),
        "fusion": fusion_case(),
        "tuning": tuning_case(),
    }
    OUT.write_text(json.dumps(fixture, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
