"""Figures and the HTML report: attribution tracks, motif logos, embedding projections."""
from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.interpret.motifs import Motif
from benchmark.interpret.regions import Region


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_track(scores: np.ndarray, path: str | os.PathLike, title: str = "", regions: Sequence[Region] = (),
               hits: pd.DataFrame | None = None, planted: Sequence[tuple[int, int]] = (), max_labels: int = 6) -> None:
    """Per-base attribution with high regions shaded (gold), FIMO hits as red bars (the `max_labels`
    most significant named) and planted sites (green)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(12, 3))
    x = np.arange(len(scores))
    ax.plot(x, scores, lw=0.8, c="black")
    for r in regions:
        ax.axvspan(r.start, r.end, color="gold", alpha=0.3, lw=0)
    for s, e in planted:
        ax.axvspan(s, e, color="green", alpha=0.25, lw=0)
    if hits is not None and len(hits):
        finite = np.asarray(scores)[np.isfinite(scores)]
        y0 = float(finite.min()) if finite.size else 0.0
        for h in hits.itertuples(index=False):
            ax.hlines(y0, h.start, h.end, colors="crimson", lw=4)
        for h in hits.nsmallest(max_labels, "p_value").itertuples(index=False):
            ax.text(h.start, y0, f"{h.motif_name}({h.strand})", fontsize=6, va="bottom", rotation=30)
    ax.set_xlabel("position (bp)")
    ax.set_ylabel("attribution")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_logos(motifs: Sequence[Motif], path: str | os.PathLike) -> None:
    """Information-content sequence logos (logomaker), one row per motif."""
    import logomaker

    plt = _plt()
    motifs = list(motifs) or []
    fig, axes = plt.subplots(max(len(motifs), 1), 1, figsize=(6, 1.6 * max(len(motifs), 1)), squeeze=False)
    for ax, m in zip(axes[:, 0], motifs):
        prob = pd.DataFrame(m.probabilities().T, columns=list("ACGT"))
        info = logomaker.transform_matrix(prob, from_type="probability", to_type="information")
        logomaker.Logo(info, ax=ax, color_scheme="classic")
        ax.set_title(f"{m.name} ({m.id})", fontsize=8)
        ax.set_ylabel("bits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def project(embeddings: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """2-D projection: PCA (scikit-learn) or UMAP (umap-learn, when installed)."""
    x = np.asarray(embeddings, dtype=np.float64)
    if method == "umap":
        import umap  # type: ignore[import-not-found]

        return umap.UMAP(random_state=seed).fit_transform(x)
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=seed).fit_transform(x)


def umap_available() -> bool:
    try:
        import umap  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


def plot_embeddings(embeddings: np.ndarray, labels: Sequence[int], label_names: Sequence[str],
                    path: str | os.PathLike, method: str = "pca") -> None:
    """Scatter of pooled embeddings projected to 2-D, coloured by label."""
    plt = _plt()
    xy = project(embeddings, method)
    y = np.asarray(labels)
    fig, ax = plt.subplots(figsize=(5, 4))
    for k, name in enumerate(label_names):
        sel = y == k
        ax.scatter(xy[sel, 0], xy[sel, 1], s=8, alpha=0.7, label=name)
    ax.set_title(f"{method.upper()} of pooled embeddings", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(path: str | os.PathLike, title: str, sections: Sequence[tuple[str, str | pd.DataFrame | Path]]) -> Path:
    """A self-contained-ish HTML page: each section is (heading, text | table | image path beside the page)."""
    path = Path(path)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;"
             "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}img{max-width:100%}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    for heading, body in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if isinstance(body, pd.DataFrame):
            parts.append(body.to_html(index=False, float_format=lambda v: f"{v:.3g}", border=0))
        elif isinstance(body, Path):
            rel = os.path.relpath(body, path.parent)
            parts.append(f"<img src='{html.escape(rel)}' alt='{html.escape(heading)}'>")
        else:
            parts.append(f"<p>{html.escape(str(body))}</p>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts))
    return path
