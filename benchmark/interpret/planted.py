"""Planted-motif recovery: a probe set with a known answer (the DART-Eval idea).

Each held-out background sequence gives two probes: one with a JASPAR motif (its
consensus, random strand) planted at a recorded position (label `planted_label`) and one
with a dinucleotide-shuffled version of the same instance at the same position
(`control_label`). Scores, over the planted probes:

- planted AUROC: per sequence, AUROC of the attribution as a ranking of bases with the
  planted bases as positives; mean over sequences;
- random AUROC: the same with uniform random attributions (mean over draws) - ~0.5;
- FIMO recovery: fraction of planted motifs for which FIMO (p < 1e-4) finds that motif,
  overlapping the planted site by at least half its width, inside a high-attribution region.

Over several seeds and attribution methods, `recovery_runs` / `recovery_table` give the planted
AUROC per motif and per method as mean and sd over seeds, beside the random-attribution AUROC of
the same probes (`recovery_markdown`, `recovery_block` for reports and results files), and the
model's *motif effect*: how much the planted instance raises the probability of the planted class
over its shuffled control (`motif_effects`). An attribution can only find a motif the model uses,
so a planted AUROC is read beside that effect: ~0 means the model ignores the motif, and no
attribution method can be blamed for missing it. `check_block` is the results file's block.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from benchmark.interpret.motifs import P_THRESHOLD, Motif, scan
from benchmark.interpret.regions import STUDY_THRESHOLD, Threshold, find_regions, region_sequences
from loaders.core.dna import reverse_complement

DEFAULT_MOTIFS: tuple[str, ...] = ("MA0079", "MA0060", "MA0095", "MA0108", "MA0050", "MA0139")
"""SP1, NFYA, YY1, TBP, IRF1, CTCF - the TF motifs of the demo world's expressed HERV LTRs
(JASPAR CORE vertebrates; versions fixed by the pinned release)."""


@dataclass(frozen=True)
class Site:
    """Where a motif instance (or its shuffled control) sits in a probe sequence."""

    motif_id: str
    start: int
    end: int
    strand: str
    instance: str


@dataclass
class Probe:
    """Probe sequences: planted and control probes, one site each."""

    ids: list[str]
    sequences: list[str]
    labels: list[int]
    sites: list[Site]
    planted: list[bool]
    motif_ids: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sequences)

    def pairs(self) -> list[tuple[int, int]]:
        """(planted index, control index) of each site (`build_probe` writes them in that order)."""
        out = []
        for i in range(0, len(self) - 1, 2):
            if self.planted[i] and not self.planted[i + 1] and self.sites[i].start == self.sites[i + 1].start:
                out.append((i, i + 1))
        return out

    def rows(self) -> list[dict[str, Any]]:
        """`{id, sequence, label}` rows (e.g. for fine-tuning on the probe)."""
        return [{"id": i, "sequence": s, "label": y} for i, s, y in zip(self.ids, self.sequences, self.labels)]


def dinuc_shuffle(seq: str, rng: np.random.Generator) -> str:
    """A random shuffle preserving dinucleotide counts, first and last letter (Altschul-Erickson
    Euler walk; each letter's last outgoing edge stays last, which keeps the walk valid)."""
    if len(seq) < 3:
        return seq
    nexts: dict[str, list[str]] = {}
    for a, b in zip(seq[:-1], seq[1:]):
        nexts.setdefault(a, []).append(b)
    for a, lst in nexts.items():
        head = lst[:-1]
        nexts[a] = [head[i] for i in rng.permutation(len(head))] + lst[-1:]
    pos = {a: 0 for a in nexts}
    out = [seq[0]]
    for _ in range(len(seq) - 1):
        a = out[-1]
        out.append(nexts[a][pos[a]])
        pos[a] += 1
    return "".join(out)


def shuffled_control(instance: str, rng: np.random.Generator, tries: int = 50) -> str:
    """A dinucleotide shuffle differing from `instance` (or `instance` if none exists)."""
    for _ in range(tries):
        s = dinuc_shuffle(instance, rng)
        if s != instance:
            return s
    return instance


def build_probe(backgrounds: Sequence[str], motifs: Sequence[Motif], *, seed: int = 0, length: int | None = None,
                ids: Sequence[str] | None = None, planted_label: int = 1, control_label: int = 0,
                strands: str = "both", copies: int = 1) -> Probe:
    """Two probes per background (planted, control) - `copies` pairs each, at independent
    positions (for training probes); motifs assigned in turn; seeded.

    `length` crops each background to its centre window; `strands` is "both" or "+".
    """
    rng = np.random.default_rng(seed)
    ids = list(ids) if ids is not None else [f"bg{i}" for i in range(len(backgrounds))]
    out = Probe([], [], [], [], [], [m.id for m in motifs])
    k = 0
    for bid, bg in ((b, s) for b, s in zip(ids, backgrounds) for _ in range(copies)):
        bg = bg.upper()
        if length is not None and len(bg) > length:
            off = (len(bg) - length) // 2
            bg = bg[off : off + length]
        motif = motifs[k % len(motifs)]
        w = motif.width
        if len(bg) < w:
            continue
        k += 1
        pos = int(rng.integers(0, len(bg) - w + 1))
        strand = "-" if strands == "both" and rng.random() < 0.5 else "+"
        inst = motif.consensus if strand == "+" else reverse_complement(motif.consensus)
        ctrl = shuffled_control(inst, rng)
        for planted, piece, label in ((True, inst, planted_label), (False, ctrl, control_label)):
            out.ids.append(f"{bid}|{'planted' if planted else 'shuffled'}|{motif.id}|{pos}{strand}")
            out.sequences.append(bg[:pos] + piece + bg[pos + w :])
            out.labels.append(label)
            out.sites.append(Site(motif.id, pos, pos + w, strand, piece))
            out.planted.append(planted)
    return out


def sequence_auroc(scores: Sequence[float] | np.ndarray, start: int, end: int) -> float:
    """AUROC of `scores` ranking bases `[start, end)` above the rest (NaN bases dropped)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.zeros(len(s), dtype=bool)
    y[start:end] = True
    ok = np.isfinite(s)
    if y[ok].all() or not y[ok].any():
        return float("nan")
    return float(roc_auc_score(y[ok], s[ok]))


def planted_auroc(attributions: Sequence[np.ndarray], probe: Probe) -> float:
    """Mean per-sequence AUROC over the planted probes."""
    vals = [sequence_auroc(a, s.start, s.end) for a, s, p in zip(attributions, probe.sites, probe.planted) if p]
    vals = [v for v in vals if np.isfinite(v)]
    return float(np.mean(vals)) if vals else float("nan")


def random_auroc(probe: Probe, seed: int = 0, draws: int = 10) -> float:
    """Planted AUROC of uniform random attributions, mean over `draws`."""
    rng = np.random.default_rng(seed)
    return float(np.mean([planted_auroc([rng.random(len(s)) for s in probe.sequences], probe) for _ in range(draws)]))


def fimo_recovery(attributions: Sequence[np.ndarray], probe: Probe, motifs: Sequence[Motif],
                  threshold: Threshold = STUDY_THRESHOLD, min_len: int = 8, pad: int = 4,
                  p_threshold: float = P_THRESHOLD) -> float:
    """Fraction of planted motifs found by FIMO inside the high-attribution regions of their sequence."""
    by_id = {m.id: m for m in motifs}
    idx = [i for i, p in enumerate(probe.planted) if p]
    if not idx:
        return float("nan")
    regions = [r for i in idx for r in find_regions(str(i), attributions[i], threshold, min_len, pad)]
    seqs = {str(i): probe.sequences[i] for i in idx}
    hits = scan([by_id[m] for m in dict.fromkeys(probe.sites[i].motif_id for i in idx)],
                region_sequences(regions, seqs), threshold=p_threshold)
    starts = {r.name: (int(r.seq_id), r.start) for r in regions}
    found = set()
    for h in hits.itertuples(index=False):
        i, off = starts[h.sequence_name]
        site = probe.sites[i]
        overlap = min(site.end, off + h.end) - max(site.start, off + h.start)
        if h.motif_id == site.motif_id and overlap * 2 >= site.end - site.start:
            found.add(i)
    return len(found) / len(idx)


def interpretation_block(method: str, attributions: Sequence[np.ndarray], probe: Probe, motifs: Sequence[Motif],
                         threshold: Threshold = STUDY_THRESHOLD, seed: int = 0) -> dict[str, Any]:
    """Scores of one method's attributions on one probe (the headline keys of `check_block`)."""
    def num(x: float) -> float | None:
        return None if not np.isfinite(x) else round(float(x), 6)

    return {
        "method": method,
        "planted_auroc": num(planted_auroc(attributions, probe)),
        "random_auroc": num(random_auroc(probe, seed=seed)),
        "fimo_recovery": num(fimo_recovery(attributions, probe, motifs, threshold)),
        "n_sequences": int(sum(probe.planted)),
        "motifs": list(probe.motif_ids),
    }


# --- recovery per motif and per method, over seeds ------------------------------------------------
ALL = "all"
"""Motif key of the figure over every planted probe."""
METHODS = ("attention", "gradxinput", "ig")
RECOVERY_COLUMNS = ["method", "motif", "n_seeds", "n_sequences", "auroc_mean", "auroc_sd", "random_mean", "random_sd",
                    "margin", "fimo_recovery_mean", "fimo_recovery_sd", "effect_mean", "effect_sd"]


def motif_effects(p_target: Sequence[float] | np.ndarray, probe: Probe) -> dict[str, float]:
    """Per motif (and `ALL`): mean over sites of p(planted class | planted) - p(planted class | control).

    `p_target[i]` is the model's probability of the planted class for `probe.sequences[i]`."""
    p = np.asarray(p_target, dtype=np.float64)
    by_motif: dict[str, list[float]] = {}
    for i, j in probe.pairs():
        by_motif.setdefault(probe.sites[i].motif_id, []).append(float(p[i] - p[j]))
    out = {ALL: float(np.mean([v for vs in by_motif.values() for v in vs])) if by_motif else float("nan")}
    out.update({m: float(np.mean(vs)) for m, vs in by_motif.items()})
    return out


def per_motif_auroc(attributions: Sequence[np.ndarray], probe: Probe) -> dict[str, float]:
    """Mean per-sequence planted AUROC for each planted motif, and over all (`ALL`)."""
    by_motif: dict[str, list[float]] = {}
    for a, s, p in zip(attributions, probe.sites, probe.planted):
        if p:
            v = sequence_auroc(a, s.start, s.end)
            if np.isfinite(v):
                by_motif.setdefault(s.motif_id, []).append(v)
    out = {ALL: float(np.mean([v for vs in by_motif.values() for v in vs])) if by_motif else float("nan")}
    out.update({m: float(np.mean(vs)) for m, vs in by_motif.items()})
    return out


def random_per_motif(probe: Probe, seed: int = 0, draws: int = 10) -> dict[str, float]:
    """`per_motif_auroc` of uniform random attributions, mean over `draws`."""
    rng = np.random.default_rng(seed)
    runs = [per_motif_auroc([rng.random(len(s)) for s in probe.sequences], probe) for _ in range(draws)]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


@dataclass(frozen=True)
class RecoveryRun:
    """One attribution method on one seed's probe: planted AUROC per motif (and `ALL`), the
    random-attribution AUROC on the same probe, FIMO recovery and the model's motif effect when measured."""

    method: str
    seed: int
    auroc: dict[str, float]
    random: dict[str, float]
    n_sequences: dict[str, int]
    fimo_recovery: float | None = None
    effect: dict[str, float] | None = None


def recovery_run(method: str, seed: int, attributions: Sequence[np.ndarray | None], probe: Probe,
                 motifs: Sequence[Motif] | None = None, threshold: Threshold = STUDY_THRESHOLD,
                 draws: int = 10, effect: dict[str, float] | None = None) -> RecoveryRun:
    """Score one method's attributions on one probe (FIMO recovery too when `motifs` are given).

    Only the planted probes' attributions are read (a control's may be None)."""
    counts: dict[str, int] = {}
    for s, p in zip(probe.sites, probe.planted):
        if p:
            counts[s.motif_id] = counts.get(s.motif_id, 0) + 1
    counts = {ALL: sum(counts.values()), **counts}
    fimo = fimo_recovery(attributions, probe, motifs, threshold) if motifs is not None else None
    return RecoveryRun(method, seed, per_motif_auroc(attributions, probe), random_per_motif(probe, seed, draws),
                       counts, fimo, effect)


def recovery_runs(probes: dict[int, Probe], methods: Sequence[str], attribute_fn: Any,
                  motifs: Sequence[Motif] | None = None, threshold: Threshold = STUDY_THRESHOLD,
                  effect_fn: Any = None) -> list[RecoveryRun]:
    """Every (seed, method): `attribute_fn(method, probe, seed) -> attributions` (the caller's model),
    scored by `recovery_run`. A method the model cannot do (it raises) is left out.
    `effect_fn(probe, seed) -> p(planted class) per probe sequence` adds the motif effect."""
    from benchmark.interpret.attribution import AttributionError

    runs = []
    for seed, probe in probes.items():
        effect = motif_effects(effect_fn(probe, seed), probe) if effect_fn is not None else None
        for method in methods:
            try:
                attrs = attribute_fn(method, probe, seed)
            except AttributionError:
                continue
            runs.append(recovery_run(method, seed, attrs, probe, motifs, threshold, effect=effect))
    return runs


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=np.float64)
    if len(v) == 0:
        return float("nan"), float("nan")
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else float("nan")


def recovery_table(runs: Sequence[RecoveryRun]) -> pd.DataFrame:
    """Per method and motif (`ALL` first): mean and sd over seeds of the planted AUROC and of the
    random-attribution AUROC, their difference (`margin`), FIMO recovery (method level, `ALL` row)."""
    order = [m for m in METHODS if any(r.method == m for r in runs)]
    order += [m for m in dict.fromkeys(r.method for r in runs) if m not in order]
    rows = []
    for method in order:
        mine = [r for r in runs if r.method == method]
        motifs = list(dict.fromkeys(k for r in mine for k in r.auroc))
        motifs = [ALL] + [m for m in motifs if m != ALL]
        for motif in motifs:
            have = [r for r in mine if motif in r.auroc]
            a_mean, a_sd = _mean_sd([r.auroc[motif] for r in have])
            r_mean, r_sd = _mean_sd([r.random[motif] for r in have])
            f_mean, f_sd = _mean_sd([r.fimo_recovery for r in have if r.fimo_recovery is not None]) if motif == ALL \
                else (float("nan"), float("nan"))
            e_mean, e_sd = _mean_sd([r.effect[motif] for r in have if r.effect is not None and motif in r.effect])
            rows.append({"method": method, "motif": motif, "n_seeds": len(have),
                         "n_sequences": int(round(np.mean([r.n_sequences.get(motif, 0) for r in have]))),
                         "auroc_mean": a_mean, "auroc_sd": a_sd, "random_mean": r_mean, "random_sd": r_sd,
                         "margin": a_mean - r_mean, "fimo_recovery_mean": f_mean, "fimo_recovery_sd": f_sd,
                         "effect_mean": e_mean, "effect_sd": e_sd})
    return pd.DataFrame(rows, columns=RECOVERY_COLUMNS)


def _pm(mean: float, sd: float) -> str:
    if not np.isfinite(mean):
        return "-"
    return f"{mean:.3f}" + (f" ± {sd:.3f}" if np.isfinite(sd) else "")


def recovery_markdown(table: pd.DataFrame, names: dict[str, str] | None = None) -> str:
    """The recovery table as markdown (mean ± sd over seeds; `names`: motif id -> TF name).

    The motif-effect column (the model's, the same for every method) is shown when measured."""
    names = names or {}
    effect = bool(table["effect_mean"].notna().any()) if len(table) else False
    head = "| method | motif | seeds | planted probes | planted AUROC | random AUROC | margin | FIMO recovery |"
    lines = [head + (" model's motif effect |" if effect else ""), "|---" * (8 + effect) + "|"]
    for r in table.itertuples(index=False):
        label = r.motif if r.motif not in names else f"{r.motif} {names[r.motif]}"
        lines.append(f"| {r.method} | {label} | {r.n_seeds} | {r.n_sequences} | {_pm(r.auroc_mean, r.auroc_sd)} | "
                     f"{_pm(r.random_mean, r.random_sd)} | {r.margin:+.3f} | "
                     f"{_pm(r.fimo_recovery_mean, r.fimo_recovery_sd)} |"
                     + (f" {_pm(r.effect_mean, r.effect_sd)} |" if effect else ""))
    return "\n".join(lines) + "\n"


def recovery_block(runs: Sequence[RecoveryRun], task: str | None = None) -> dict[str, Any]:
    """JSON-able summary: per method, mean/sd over seeds overall and per motif, beside random;
    `task` names the task the probes were built from (what a board column should say)."""
    def num(x: float) -> float | None:
        return None if not np.isfinite(x) else round(float(x), 6)

    table = recovery_table(runs)
    out: dict[str, Any] = {"task": task, "seeds": sorted({r.seed for r in runs}), "methods": {}}
    for method, sub in table.groupby("method", sort=False):
        rows = {r.motif: r for r in sub.itertuples(index=False)}
        overall = rows[ALL]
        out["methods"][method] = {
            "planted_auroc": {"mean": num(overall.auroc_mean), "sd": num(overall.auroc_sd)},
            "random_auroc": {"mean": num(overall.random_mean), "sd": num(overall.random_sd)},
            "fimo_recovery": {"mean": num(overall.fimo_recovery_mean), "sd": num(overall.fimo_recovery_sd)},
            "motif_effect": {"mean": num(overall.effect_mean), "sd": num(overall.effect_sd)},
            "n_seeds": int(overall.n_seeds),
            "per_motif": {m: {"planted_auroc": {"mean": num(r.auroc_mean), "sd": num(r.auroc_sd)},
                              "random_auroc": {"mean": num(r.random_mean), "sd": num(r.random_sd)},
                              "motif_effect": {"mean": num(r.effect_mean), "sd": num(r.effect_sd)},
                              "n_sequences": int(r.n_sequences)}
                          for m, r in rows.items() if m != ALL},
        }
    return out


def check_block(runs: Sequence[RecoveryRun], motif_ids: Sequence[str], *, method: str | None = None,
                task: str | None = None, task_label: str | None = None, **extra: Any) -> dict[str, Any]:
    """The results file's `interpretation` block for a check over seeds and methods.

    The board's headline numbers (`planted_auroc`, `random_auroc`, `fimo_recovery`: means over seeds)
    are those of `method` (default: the first method run); `recovery` holds every method per motif
    (`recovery_block`); `task` / `task_label` say which task (and training) the score comes from;
    `extra` is recorded as given (labels, probe settings...)."""
    if not runs:
        raise ValueError("no attribution method could be run on this model")
    method = method or runs[0].method
    mine = [r for r in runs if r.method == method]
    if not mine:
        raise ValueError(f"method {method!r} was not run")
    recovery = recovery_block(runs, task=task)
    head = recovery["methods"][method]
    return {
        "method": method,
        "planted_auroc": head["planted_auroc"]["mean"],
        "random_auroc": head["random_auroc"]["mean"],
        "fimo_recovery": head["fimo_recovery"]["mean"],
        "n_sequences": int(sum(r.n_sequences[ALL] for r in mine)),  # planted probes scored, over every seed
        "motifs": list(motif_ids),
        "task": task,
        "task_label": task_label or task,
        "seeds": recovery["seeds"],
        "motif_effect": head["motif_effect"]["mean"],
        **extra,
        "recovery": recovery,
    }
