"""The `bench interpret` pipeline as plain functions (the CLI is a thin layer over these).

`interpret_sequences`: attributions -> high regions (BED + FASTA) -> FIMO vs JASPAR ->
enrichment class A vs B -> plots + HTML report. `planted_recovery`: the planted-motif check over
seeds and methods (optionally after fine-tuning on a planted probe; scored by
`benchmark.interpret.planted`, whose `check_block` is the results file's `interpretation` block).
`update_results`: atomic rewrite.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmark.interpret.attribution import AttributionError, attribute, pooled_embeddings
from benchmark.interpret.enrichment import motif_enrichment, plot_enrichment
from benchmark.interpret.handle import ModelHandle
from benchmark.interpret.motif_files import load_motifs
from benchmark.interpret.motifs import JASPAR_RELEASE, P_THRESHOLD, scan
from benchmark.interpret.planted import DEFAULT_MOTIFS, Probe, RecoveryRun, build_probe, motif_effects, recovery_run
from benchmark.interpret.plots import plot_embeddings, plot_logos, plot_track, umap_available, write_report
from benchmark.interpret.regions import STUDY_THRESHOLD, Threshold, find_regions, region_sequences, write_bed, write_fasta
from loaders.core.files import atomic_write_text


def model_bases(handle: ModelHandle) -> int:
    """How many bases one model input holds (specials excluded; k-mers add k - 1)."""
    specials = 2
    if handle.adapter is not None:
        specials = len(handle.adapter.prefix) + len(handle.adapter.suffix)
    return max(1, handle.max_length - specials) + ((handle.kmer or 1) - 1)


def interpret_sequences(handle: ModelHandle, ids: Sequence[str], sequences: Sequence[str], labels: Sequence[int],
                        label_names: Sequence[str], out_dir: str | os.PathLike, *, method: str = "attention",
                        class_a: int = 1, threshold: Threshold = STUDY_THRESHOLD, min_len: int = 8, pad: int = 4,
                        release: str = JASPAR_RELEASE, p_threshold: float = P_THRESHOLD, motif_ids: Sequence[str] | None = None,
                        n_tracks: int = 4, top_logos: int = 6) -> dict[str, Any]:
    """Write attributions, regions, hits, enrichment, figures and `report.html` into `out_dir`; return a summary."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids, sequences, labels = [str(i) for i in ids], [s.upper() for s in sequences], [int(y) for y in labels]
    attrs = attribute(handle, sequences, method, target=labels)
    np.savez_compressed(out / "attributions.npz", **{f"s{i}": a for i, a in enumerate(attrs)}, ids=np.array(ids))
    seq_by_id = dict(zip(ids, sequences))
    regions = [r for i, a in zip(ids, attrs) for r in find_regions(i, a, threshold, min_len, pad)]
    write_bed(regions, out / "regions.bed")
    region_seqs = region_sequences(regions, seq_by_id)
    write_fasta(region_seqs, out / "regions.fa")
    motifs = load_motifs(motif_ids, release=release)
    hits = scan(motifs, region_seqs, threshold=p_threshold)
    hits.to_csv(out / "motif_hits.tsv", sep="\t", index=False)
    label_of = dict(zip(ids, labels))
    in_a = [r.name for r in regions if label_of[r.seq_id] == class_a]
    in_b = [r.name for r in regions if label_of[r.seq_id] != class_a]
    table = motif_enrichment(hits, in_a, in_b, motifs)
    table.to_csv(out / "enrichment.tsv", sep="\t", index=False)
    name_a = label_names[class_a]
    name_b = "rest" if len(label_names) > 2 else label_names[1 - class_a]
    plot_enrichment(table, out / "enrichment.png", labels=(name_a, name_b))
    by_id = {m.id: m for m in motifs}
    plot_logos([by_id[i] for i in table["motif_id"].head(top_logos)], out / "logos.png")
    tracks = []
    for i in _track_choice(ids, labels, attrs, class_a, n_tracks):
        sid = ids[i]
        sub = [r for r in regions if r.seq_id == sid]
        h = _hits_in_sequence(hits, sub)
        path = out / f"track_{len(tracks)}.png"
        plot_track(attrs[i], path, title=f"{sid} ({label_names[labels[i]]}, {method})", regions=sub, hits=h)
        tracks.append(path)
    emb = pooled_embeddings(handle, sequences)
    plot_embeddings(emb, labels, label_names, out / "embeddings_pca.png", "pca")
    figures = [("PCA of pooled embeddings", out / "embeddings_pca.png")]
    if umap_available():
        plot_embeddings(emb, labels, label_names, out / "embeddings_umap.png", "umap")
        figures.append(("UMAP of pooled embeddings", out / "embeddings_umap.png"))
    summary = {"model": handle.name, "method": method, "n_sequences": len(ids), "n_regions": len(regions),
               "regions_a": len(in_a), "regions_b": len(in_b), "class_a": name_a, "class_b": name_b,
               "threshold": asdict(threshold), "min_len": min_len, "pad": pad, "jaspar_release": release,
               "n_motifs": len(motifs), "p_threshold": p_threshold, "n_hits": int(len(hits)),
               "significant_motifs": int((table["q_value"] < 0.05).sum()) if len(table) else 0}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    sections: list[tuple[str, Any]] = [
        ("Summary", ", ".join(f"{k}: {v}" for k, v in summary.items())),
        (f"Motif enrichment in {name_a} vs {name_b} regions (hypergeometric, Benjamini-Hochberg)", out / "enrichment.png"),
        ("Top motifs", table.head(25)),
        ("Logos of the top motifs", out / "logos.png"),
        *[(f"Attribution track {k + 1} (gold: high regions, red: FIMO hits)", p) for k, p in enumerate(tracks)],
        *figures,
    ]
    write_report(out / "report.html", f"PhenoSeq interpretation: {handle.name} ({method})", sections)
    return summary


def _track_choice(ids: Sequence[str], labels: Sequence[int], attrs: Sequence[np.ndarray], class_a: int, n: int) -> list[int]:
    """Sequences to draw: the first n/2 of class A and of the others."""
    a = [i for i, y in enumerate(labels) if y == class_a][: (n + 1) // 2]
    b = [i for i, y in enumerate(labels) if y != class_a][: n // 2]
    return a + b


def _hits_in_sequence(hits: pd.DataFrame, regions: Sequence[Any]) -> pd.DataFrame:
    """Hits of these regions, moved to sequence coordinates."""
    offsets = {r.name: r.start for r in regions}
    sub = hits[hits["sequence_name"].isin(offsets)].copy()
    shift = sub["sequence_name"].map(offsets).astype(int)
    sub["start"] = sub["start"] + shift
    sub["end"] = sub["end"] + shift
    return sub


def planted_probe_for(handle: ModelHandle, backgrounds: Sequence[str], ids: Sequence[str], *,
                      motif_ids: Sequence[str] = DEFAULT_MOTIFS, release: str = JASPAR_RELEASE, n_sequences: int = 200,
                      planted_label: int = 1, control_label: int = 0, seed: int = 0,
                      length: int | None = None) -> tuple[Probe, list[Any]]:
    """Probe from (up to `n_sequences`, seeded choice) held-out backgrounds, cropped to `length` bases
    (default and at most: what the model sees)."""
    motifs = load_motifs(motif_ids, release=release)
    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(backgrounds), size=min(n_sequences, len(backgrounds)), replace=False).tolist())
    probe = build_probe([backgrounds[i] for i in pick], motifs, seed=seed, length=_probe_length(handle, length),
                        ids=[ids[i] for i in pick], planted_label=planted_label, control_label=control_label)
    return probe, motifs


def _probe_length(handle: ModelHandle, length: int | None) -> int:
    return model_bases(handle) if length is None else min(int(length), model_bases(handle))


def train_on_probe(handle: ModelHandle, probe: Probe, *, epochs: int = 5, lr: float = 3e-3, batch_size: int = 16,
                   seed: int = 0, dropout: float | None = 0.0) -> ModelHandle:
    """Fine-tune `handle`'s model in place on probe sequences (cross-entropy, Adam, constant lr,
    seeded order; the DART-Eval setting); back in eval mode. `dropout` (default none) replaces the
    model's dropout rates while training - a few epochs must be enough; None keeps them."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = handle.model
    drops = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)] if dropout is not None else []
    rates = [m.p for m in drops]
    for m in drops:
        m.p = dropout
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    labels = torch.tensor(probe.labels, device=handle.device)
    try:
        for _ in range(epochs):
            model.train()
            order = rng.permutation(len(probe))
            for i in range(0, len(order), batch_size):
                idx = order[i : i + batch_size]
                enc = handle.encode([probe.sequences[j] for j in idx])
                loss = torch.nn.functional.cross_entropy(handle.logits(enc.input_ids, enc.attention_mask), labels[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
    finally:
        for m, rate in zip(drops, rates):
            m.p = rate
        model.eval()
    return handle


def finetune_on_probe(handle: ModelHandle, train_backgrounds: Sequence[str], *, motif_ids: Sequence[str] = DEFAULT_MOTIFS,
                      release: str = JASPAR_RELEASE, planted_label: int = 1, control_label: int = 0, epochs: int = 5,
                      lr: float = 3e-3, seed: int = 0, copies: int = 4, length: int | None = None,
                      n_backgrounds: int | None = None) -> ModelHandle:
    """Build a training probe (`copies` planted/shuffled pairs per background, cropped like the
    check's probe; at most `n_backgrounds` backgrounds, a seeded choice) and train on it."""
    motifs = load_motifs(motif_ids, release=release)
    if n_backgrounds is not None and n_backgrounds < len(train_backgrounds):
        pick = np.random.default_rng(seed + 2).choice(len(train_backgrounds), size=n_backgrounds, replace=False)
        train_backgrounds = [train_backgrounds[i] for i in sorted(pick.tolist())]
    probe = build_probe(train_backgrounds, motifs, seed=seed + 1, length=_probe_length(handle, length),
                        planted_label=planted_label, control_label=control_label, copies=copies)
    return train_on_probe(handle, probe, epochs=epochs, lr=lr, seed=seed)


def target_probability(handle: ModelHandle, seqs: Sequence[str], target: int, batch_size: int = 32) -> np.ndarray:
    """The model's probability of class `target` for each sequence."""
    import torch

    out = []
    with torch.no_grad():
        for i in range(0, len(seqs), batch_size):
            enc = handle.encode(list(seqs[i : i + batch_size]))
            logits = handle.logits(enc.input_ids, enc.attention_mask).float()
            out.append(torch.softmax(logits, dim=-1)[:, target].cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0)


def attribute_planted(handle: ModelHandle, probe: Probe, method: str, target: int,
                      n_steps: int = 32) -> list[np.ndarray | None]:
    """Attributions of the planted probes (towards `target`); None for the controls, which no score reads."""
    idx = [i for i, p in enumerate(probe.planted) if p]
    attrs = attribute(handle, [probe.sequences[i] for i in idx], method, target=target, n_steps=n_steps)
    out: list[np.ndarray | None] = [None] * len(probe)
    for i, a in zip(idx, attrs):
        out[i] = a
    return out


@dataclass(frozen=True)
class PlantedSettings:
    """How the planted check is run (recorded in the results block by the CLI)."""

    motif_ids: tuple[str, ...] = DEFAULT_MOTIFS
    release: str = JASPAR_RELEASE
    n_sequences: int = 200
    planted_label: int = 1
    control_label: int = 0
    probe_epochs: int = 0
    probe_lr: float = 3e-3
    probe_copies: int = 4
    probe_backgrounds: int | None = None
    probe_length: int | None = None
    ig_steps: int = 32
    threshold: Threshold = STUDY_THRESHOLD


@dataclass
class PlantedResult:
    """What `planted_recovery` measured: a `RecoveryRun` per (seed, method), each seed's scored probe,
    the planted motifs, and the per-example attributions of the headline method (the leaderboard's
    `per_example` format, `leaderboard.validate.read_interpretation_examples`; ids `s<seed>|<probe id>`)."""

    runs: list[RecoveryRun]
    probes: dict[int, Probe]
    motifs: list[Any]
    examples: pd.DataFrame


def examples_frame(seed: int, attributions: Sequence[np.ndarray | None], probe: Probe) -> pd.DataFrame:
    """One row per planted probe: id, motif_id, site_start, site_end, attribution (per base)."""
    rows = [{"id": f"s{seed}|{probe.ids[i]}", "motif_id": probe.sites[i].motif_id, "site_start": probe.sites[i].start,
             "site_end": probe.sites[i].end, "attribution": [float(x) for x in np.asarray(attributions[i])]}
            for i, p in enumerate(probe.planted) if p]
    return pd.DataFrame(rows, columns=["id", "motif_id", "site_start", "site_end", "attribution"])


def planted_recovery(load: Callable[[int], ModelHandle], seeds: Sequence[int], backgrounds: Sequence[str],
                     ids: Sequence[str], methods: Sequence[str], settings: PlantedSettings = PlantedSettings(),
                     train_backgrounds: Sequence[str] | None = None) -> PlantedResult:
    """The planted check over seeds and methods.

    Per seed: `load(seed)` gives the model; with `settings.probe_epochs` it is first fine-tuned on a
    planted/shuffled probe from `train_backgrounds` (motifs matter by construction); a probe from
    (`n_sequences` of) the held-out `backgrounds`, drawn with that seed, is then scored: the model's
    motif effect and each method's planted AUROC per motif beside random attribution. A method the
    model cannot do is left out; if it can do none, a one-line `AttributionError`. The first method
    run is the headline one (its per-example attributions are kept)."""
    runs: list[RecoveryRun] = []
    probes: dict[int, Probe] = {}
    motifs: list[Any] = []
    examples: list[pd.DataFrame] = []
    s = settings
    skipped: dict[str, str] = {}
    for seed in seeds:
        handle = load(seed)
        if s.probe_epochs > 0:
            if not train_backgrounds:
                raise ValueError("probe fine-tuning needs training backgrounds")
            finetune_on_probe(handle, train_backgrounds, motif_ids=s.motif_ids, release=s.release,
                              planted_label=s.planted_label, control_label=s.control_label, epochs=s.probe_epochs,
                              lr=s.probe_lr, seed=seed, copies=s.probe_copies, length=s.probe_length,
                              n_backgrounds=s.probe_backgrounds)
        probe, motifs = planted_probe_for(handle, backgrounds, ids, motif_ids=s.motif_ids, release=s.release,
                                          n_sequences=s.n_sequences, planted_label=s.planted_label,
                                          control_label=s.control_label, seed=seed, length=s.probe_length)
        probes[seed] = probe
        effect = motif_effects(target_probability(handle, probe.sequences, s.planted_label), probe)
        for method in methods:
            try:
                attrs = attribute_planted(handle, probe, method, s.planted_label, n_steps=s.ig_steps)
            except AttributionError as e:
                skipped[method] = str(e)
                continue
            runs.append(recovery_run(method, seed, attrs, probe, motifs, s.threshold, effect=effect))
            if method == runs[0].method:
                examples.append(examples_frame(seed, attrs, probe))
        del handle
    if not runs:
        raise AttributionError("; ".join(f"{m}: {why}" for m, why in skipped.items()) or "no method was run")
    return PlantedResult(runs, probes, motifs, pd.concat(examples, ignore_index=True))


def update_results(path: str | os.PathLike, block: dict[str, Any]) -> Path:
    """Set the `interpretation` block of an existing results JSON (atomic replace; the rest unchanged)."""
    path = Path(path)
    results = json.loads(path.read_text())
    results["interpretation"] = block
    atomic_write_text(path, json.dumps(results, indent=2) + "\n")
    return path
