"""Motif enrichment in class-A vs class-B high-attribution regions.

Per motif: a = class-A regions with at least one hit, b = class-B regions with one.
Hypergeometric test (one-sided, enrichment in A): drawing the nA class-A regions from all
N = nA + nB regions, of which K = a + b carry the motif, P(X >= a). Benjamini-Hochberg
across motifs. log2 enrichment = log2((a + 0.5) / (nA + 1)) - log2((b + 0.5) / (nB + 1)).
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from benchmark.interpret.motifs import Motif, bh_qvalues

COLUMNS = ["motif_id", "motif_name", "a_hits", "a_total", "b_hits", "b_total", "frac_a", "frac_b",
           "log2_enrichment", "p_value", "q_value"]


def hypergeom_enrichment(a: int, n_a: int, b: int, n_b: int) -> float:
    """P(X >= a), X ~ Hypergeometric(N = n_a + n_b, K = a + b, draws = n_a)."""
    if n_a == 0 or a == 0:
        return 1.0
    return float(stats.hypergeom.sf(a - 1, n_a + n_b, a + b, n_a))


def motif_enrichment(hits: pd.DataFrame, regions_a: Sequence[str], regions_b: Sequence[str],
                     motifs: Sequence[Motif]) -> pd.DataFrame:
    """Enrichment table (columns `COLUMNS`) sorted by p-value; region names as in `hits.sequence_name`."""
    set_a, set_b = set(regions_a), set(regions_b)
    n_a, n_b = len(set_a), len(set_b)
    by_motif = hits.groupby("motif_id")["sequence_name"].agg(lambda s: set(s)) if len(hits) else {}
    rows = []
    for m in motifs:
        present = by_motif.get(m.id, set()) if len(hits) else set()
        a, b = len(present & set_a), len(present & set_b)
        rows.append({
            "motif_id": m.id, "motif_name": m.name, "a_hits": a, "a_total": n_a, "b_hits": b, "b_total": n_b,
            "frac_a": a / n_a if n_a else 0.0, "frac_b": b / n_b if n_b else 0.0,
            "log2_enrichment": float(np.log2((a + 0.5) / (n_a + 1)) - np.log2((b + 0.5) / (n_b + 1))),
            "p_value": hypergeom_enrichment(a, n_a, b, n_b),
        })
    table = pd.DataFrame(rows, columns=COLUMNS[:-1])
    table["q_value"] = bh_qvalues(table["p_value"].to_numpy()) if len(table) else []
    return table.sort_values(["p_value", "motif_id"], kind="mergesort").reset_index(drop=True)[COLUMNS]


def plot_enrichment(table: pd.DataFrame, path: str | os.PathLike, top: int = 20, alpha: float = 0.05,
                    labels: tuple[str, str] = ("A", "B")) -> None:
    """Volcano (log2 enrichment vs -log10 p, q < alpha highlighted) beside a bar plot of the top motifs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5))
    if len(table):
        y = -np.log10(table["p_value"].clip(lower=1e-300))
        sig = table["q_value"] < alpha
        ax1.scatter(table["log2_enrichment"][~sig], y[~sig], s=8, c="grey", alpha=0.6, label=f"q >= {alpha}")
        ax1.scatter(table["log2_enrichment"][sig], y[sig], s=12, c="crimson", label=f"q < {alpha}")
        for _, r in table.head(5).iterrows():
            ax1.annotate(r["motif_name"], (r["log2_enrichment"], -np.log10(max(r["p_value"], 1e-300))), fontsize=7)
        head = table.head(top).iloc[::-1]
        ax2.barh([f"{n} ({i})" for n, i in zip(head["motif_name"], head["motif_id"])],
                 -np.log10(head["q_value"].clip(lower=1e-300)), color="steelblue")
    ax1.set_xlabel(f"log2 enrichment ({labels[0]} vs {labels[1]} regions)")
    ax1.set_ylabel("-log10 p (hypergeometric)")
    ax1.legend(fontsize=8)
    ax2.set_xlabel("-log10 q (Benjamini-Hochberg)")
    ax2.set_title(f"top {top} motifs enriched in {labels[0]}")
    ax2.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
