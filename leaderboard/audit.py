"""Leakage audits on the board: validate and store an audit, plot it, render its "leakage audit" section.

`submit_audit(audit.json, store)` trusts nothing in the file: it re-derives both split variants of
every seed from the local build (`benchmark.audit.variant_task`), validates and re-scores every run
with `leaderboard.validate.validate_submission` against them (fingerprint, test ids, metrics from
the predictions), recomputes the summaries, the inflation and the nearest-train-row histograms,
and stores the result under `<store>/audits/<audit_id>/` (`audit.json`, the runs' predictions,
`nearest.parquet`). Only suite tasks are accepted.

`load_audits(store)` reads them back; `render.render` calls `html_section`, `markdown_section` and
`plot_audit` to add one "Leakage audit" section per audit (a warning line, the inflation table and
a plot). Every string that came from a submitted file is escaped.
"""
from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from loaders.core.errors import UserError

AUDIT_METRICS: tuple[str, ...] = ("accuracy", "mcc", "f1_macro", "auroc")
"""Metrics shown in the board's audit tables (every metric is in the JSON)."""
WARNING = ("Leakage audit: the 'random' column is the study's per-class random split, which leaks near-identical "
           "copies between train and test. Its scores are inflated and are not leaderboard results.")
MAX_JSON_BYTES = 8 * 2**20
MAX_SEEDS, MAX_MODELS = 20, 10


class AuditSubmissionError(UserError, ValueError):
    """Why an audit was rejected (one line)."""

    label = "rejected"


# ----------------------------------------------------------------- formatting

def _stat(s: dict[str, Any] | None, signed: bool = False) -> str:
    if not s or s.get("mean") is None:
        return "—"
    fmt = "{:+.4f}" if signed else "{:.4f}"
    return f"{fmt.format(s['mean'])} ± {(s.get('sd') or 0.0):.4f}"


def summary_rows(audit: dict[str, Any], metrics: Sequence[str] = AUDIT_METRICS) -> list[tuple[str, ...]]:
    """(model, metric, grouped, random, inflation) text rows, `mean ± sd` over seeds."""
    rows = []
    for m in audit.get("models", []):
        for metric in metrics:
            rows.append((str(m.get("name")), metric, _stat(m["summary"]["grouped"].get(metric)),
                         _stat(m["summary"]["random"].get(metric)), _stat(m["inflation"].get(metric), signed=True)))
    return rows


def plot_audit(audit: dict[str, Any], path: str | Path) -> Path:
    """PNG: MCC and accuracy per model on both variants (mean ± sd), and per variant the joint histogram of the
    identity and coverage of each test row's nearest train row (seed 0; the box is the grouping criterion).
    Submitted names are drawn as plain text: no mathtext (`$...$`), no TeX."""
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
        return _plot_audit(audit, path)


def _plot_audit(audit: dict[str, Any], path: str | Path) -> Path:
    import matplotlib
    import matplotlib.patches
    import matplotlib.pyplot as plt
    import numpy as np

    path = Path(path)
    models = audit.get("models", [])
    nearest = audit.get("nearest") or {}
    fig, axes = plt.subplots(1, 3, figsize=(14, 2.4 + 0.5 * max(len(models), 3)), dpi=100,
                             gridspec_kw={"width_ratios": [1.3, 1, 1]})
    ax = axes[0]
    colours = {"grouped": "#1f5fa8", "random": "#c0392b"}
    ticks, labels = [], []
    y = 0.0
    for m in models[::-1]:
        for metric in ("mcc", "accuracy"):
            for k, variant in enumerate(("grouped", "random")):
                s = m["summary"][variant].get(metric) or {}
                if s.get("mean") is not None:
                    ax.errorbar([s["mean"]], [y + 0.18 * (k - 0.5)], xerr=[s.get("sd") or 0.0], fmt="o", capsize=3,
                                color=colours[variant], label=variant if not ticks and metric == "mcc" else None)
            infl = (m["inflation"].get(metric) or {}).get("mean")
            ticks.append(y)
            labels.append(f"{m['name']} · {metric}" + (f" (+{infl:.3f})" if infl is not None and infl >= 0 else
                                                         f" ({infl:.3f})" if infl is not None else ""))
            y += 1
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_xlabel("score (mean ± sd over seeds); (inflation)")
    ax.grid(axis="x", alpha=0.3)
    if ticks:
        ax.legend(loc="best", fontsize=8)
    for ax, variant in ((axes[1], "grouped"), (axes[2], "random")):
        block = nearest.get(variant) or {}
        joint = (block.get("joint") or {}).get("counts")
        if not joint:
            ax.set_axis_off()
            continue
        counts = np.asarray(joint, dtype=float)
        ie, ce = block["identity"]["edges"], block["coverage"]["edges"]
        ax.imshow(counts / max(counts.sum(), 1.0), origin="lower", cmap="Reds" if variant == "random" else "Blues",
                  aspect="auto", vmin=0, vmax=0.5)
        for i in range(counts.shape[0]):
            for j in range(counts.shape[1]):
                if counts[i, j]:
                    ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", fontsize=7)
        ax.set_yticks(range(len(ie) - 1), [f"{a:g}–{b:g}" for a, b in zip(ie[:-1], ie[1:])], fontsize=7)
        ax.set_xticks(range(len(ce) - 1), [f"{a:g}–{b:g}" for a, b in zip(ce[:-1], ce[1:])], fontsize=7, rotation=30)
        ax.set_ylabel("identity of nearest train row")
        ax.set_xlabel("coverage of the test row")
        ax.add_patch(matplotlib.patches.Rectangle((2.5, 3.5), len(ce) - 1 - 2.5, len(ie) - 1 - 3.5, fill=False,
                                                  edgecolor="black", linewidth=1.5))
        ax.set_title(f"{variant} split: {block.get('linked', 0)} of {block.get('test_rows', 0)} test rows\n"
                     "linked to a train row (box: >= 95 %, >= 80 %)", fontsize=9)
    title = f"leakage audit · {audit.get('task')}" + ("  [synthetic demo data]" if (audit.get("dataset") or {}).get("synthetic") else "")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def audit_slug(audit: dict[str, Any]) -> str:
    """File stem of an audit's plot on the board."""
    from benchmark.audit import slug

    return f"audit_{slug(str(audit.get('task')))}_{str(audit.get('audit_id', 'local'))[:16]}"


def _nearest_line(audit: dict[str, Any]) -> str:
    parts = []
    for variant in ("grouped", "random"):
        b = (audit.get("nearest") or {}).get(variant)
        if b:
            parts.append(f"{variant}: {b['linked']} of {b['test_rows']} test rows have a train row at >= 95 % identity "
                         f"over >= 80 % (median identity {b['identity']['median']:.3f})")
    return "; ".join(parts)


def html_section(audits: Sequence[dict[str, Any]], plots: bool = True) -> str:
    """The board's "Leakage audit" section (empty string without audits)."""
    if not audits:
        return ""
    e = html.escape
    parts = ['<section class="audits" id="leakage-audit"><h2>Leakage audit</h2>',
             f'<p class="leak-warning" role="note" style="background:#fdecea;border:1px solid #c0392b;padding:.6rem .9rem;'
             f'font-weight:600">{e(WARNING)}</p>']
    for a in audits:
        seeds = len((a.get("design") or {}).get("seeds") or [])
        parts.append(f'<h3 data-task="{e(str(a.get("task")))}">{e(str(a.get("task")))} · {seeds} seed(s)'
                     + ('<span class="badge">synthetic</span>' if (a.get("dataset") or {}).get("synthetic") else '')
                     + '</h3>')
        parts.append('<p class="meta">Inflation = random − grouped, paired by seed (model seed i and split seed i on both '
                     'variants); mean ± sd over seeds. ' + e(_nearest_line(a)) + '</p>')
        parts.append('<div class="scroll"><table class="audit"><thead><tr><th>Model</th><th>Metric</th><th>Grouped</th>'
                     '<th>Random (leaks)</th><th>Inflation</th></tr></thead><tbody>')
        for row in summary_rows(a):
            cells = [f'<td class="num">{e(c)}</td>' if i > 1 else f"<td>{e(c)}</td>" for i, c in enumerate(row)]
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table></div>")
        if plots:
            parts.append(f'<figure><img src="{e(audit_slug(a))}.png" alt="leakage audit plot, {e(str(a.get("task")))}">'
                         '<figcaption>Scores on both variants and the nearest train row of each test row '
                         '(seed 0)</figcaption></figure>')
    parts.append("</section>")
    return "\n".join(parts)


def _md(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def markdown_section(audits: Sequence[dict[str, Any]], plots: bool = True) -> str:
    """The markdown board's "Leakage audit" section (empty string without audits)."""
    if not audits:
        return ""
    lines = ["## Leakage audit", "", f"> **{WARNING}**", ""]
    for a in audits:
        lines += [f"### {_md(str(a.get('task')))}", "", _md(_nearest_line(a)), "",
                  "| Model | Metric | Grouped | Random (leaks) | Inflation |", "|---|---|---:|---:|---:|"]
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in summary_rows(a)]
        lines.append("")
        if plots:
            lines += [f"![leakage audit, {_md(str(a.get('task')))}]({audit_slug(a)}.png)", ""]
    return "\n".join(lines)


def with_audits(page: str, audits: Sequence[dict[str, Any]], out_dir: str | Path, fmt: str) -> str:
    """`page` (html or md) with the audit section added and its plots written into `out_dir`."""
    if not audits:
        return page
    for a in audits:
        plot_audit(a, Path(out_dir) / f"{audit_slug(a)}.png")
    if fmt == "md":
        return page.rstrip("\n") + "\n\n" + markdown_section(audits) + "\n"
    section = html_section(audits)
    at = page.rfind("<script>")
    return page[:at] + section + "\n" + page[at:] if at >= 0 else page + section


def json_block(audits: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """What `leaderboard.json` lists per audit."""
    return [{"audit_id": a.get("audit_id"), "task": a.get("task"), "warning": WARNING,
             "models": [{"name": m.get("name"), "summary": m.get("summary"), "inflation": m.get("inflation")}
                        for m in a.get("models", [])],
             "nearest": {v: (a.get("nearest") or {}).get(v) for v in ("grouped", "random")}} for a in audits]


# ----------------------------------------------------------------- store

def audits_dir(store: str | Path) -> Path:
    return Path(store) / "audits"


def load_audits(store: str | Path, task: str | None = None) -> list[dict[str, Any]]:
    """Stored audits (optionally of one task), ordered by task then id."""
    root = audits_dir(store)
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        f = d / "audit.json"
        if f.is_file():
            a = json.loads(f.read_text())
            if task is None or a.get("task") == task:
                out.append(a)
    return sorted(out, key=lambda a: (str(a.get("task")), str(a.get("audit_id"))))


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise AuditSubmissionError(f"no such audit file: {path}")
    if path.stat().st_size > MAX_JSON_BYTES:
        raise AuditSubmissionError(f"{path}: audit JSON too large (limit {MAX_JSON_BYTES} bytes)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise AuditSubmissionError(f"{path}: not valid JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise AuditSubmissionError(f"{path}: an audit JSON must be an object")
    return data


def _inside(base: Path, rel: Any) -> Path:
    if not isinstance(rel, str) or not rel or rel.startswith("/") or ".." in Path(rel).parts:
        raise AuditSubmissionError(f"unsafe run path {str(rel)[:60]!r} (must be relative, inside the audit's folder)")
    path = base / rel
    if path.is_symlink() or not path.resolve().is_relative_to(base.resolve()):
        raise AuditSubmissionError(f"run file {rel!r} must be a regular file inside the audit's folder")
    if not path.is_file():
        raise AuditSubmissionError(f"run file {rel!r} not found")
    return path


def rescore_audit(path: str | Path, source: str | None = None, nearest: bool = True,
                  cache_dir: str | Path | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The audit at `path` re-derived and re-scored against the local build; and {store name: predictions frame}."""
    from benchmark.audit import (NEAREST_METHOD, SCHEMA, VARIANTS, inflation, nearest_block, pool_from_build, slug,
                                 variant_task)
    from benchmark.metrics import summarize
    from leaderboard.validate import validate_submission

    path = Path(path)
    data = _read(path)
    if data.get("schema") != SCHEMA:
        raise AuditSubmissionError(f"{path}: schema {str(data.get('schema'))[:40]!r} is not {SCHEMA!r}")
    task_id = data.get("task")
    if not isinstance(task_id, str) or task_id.startswith(("csv:", "fasta:")) or "/" not in task_id:
        raise AuditSubmissionError(f"{path}: only suite tasks (<dataset>/<config>) go on the board, not {str(task_id)[:60]!r}")
    seeds = (data.get("design") or {}).get("seeds")
    if (not isinstance(seeds, list) or not seeds or len(seeds) > MAX_SEEDS
            or any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seeds) or len(set(seeds)) != len(seeds)):
        raise AuditSubmissionError(f"{path}: design.seeds must be 1..{MAX_SEEDS} distinct non-negative integers")
    models = data.get("models")
    if not isinstance(models, list) or not models or len(models) > MAX_MODELS:
        raise AuditSubmissionError(f"{path}: models must be a list of 1..{MAX_MODELS} entries")
    src = source or (data.get("dataset") or {}).get("source")
    pool = pool_from_build(task_id, source=src, cache_dir=cache_dir)  # a user error (unknown task...) is one line
    tasks = {(v, s): variant_task(pool, v, s) for s in seeds for v in VARIANTS}
    out_models, frames = [], {}
    for i, m in enumerate(models):
        if not isinstance(m, dict) or not isinstance(m.get("name"), str) or not isinstance(m.get("runs"), dict):
            raise AuditSubmissionError(f"{path}: models[{i}] needs a name and runs")
        runs_out: dict[str, list[dict[str, Any]]] = {}
        info: dict[str, Any] = {}
        for v in VARIANTS:
            runs = m["runs"].get(v)
            if not isinstance(runs, list) or sorted(r.get("seed") for r in runs if isinstance(r, dict)) != sorted(seeds):
                raise AuditSubmissionError(f"{path}: models[{i}] ({m['name'][:40]!r}) needs one {v} run per seed {seeds}")
            runs_out[v] = []
            for r in sorted(runs, key=lambda r: r["seed"]):
                task = tasks[(v, r["seed"])]
                sub = validate_submission(_inside(path.parent, r.get("results")), task=task)
                if [e["seed"] for e in sub.results["seeds"]] != [r["seed"]]:
                    raise AuditSubmissionError(f"{r['results']!r}: holds seeds {[e['seed'] for e in sub.results['seeds']]}, "
                                               f"the audit says {r['seed']}")
                info = sub.results.get("model") or {}
                name = f"{slug(m['name'])}__{v}__seed-{r['seed']}.parquet"
                frames[f"{i}_{name}"] = sub.predictions
                runs_out[v].append({"seed": r["seed"], "predictions": f"predictions/{i}_{name}",
                                    "fingerprint": task.fingerprint, "metrics": sub.results["seeds"][0]["metrics"]})
        out_models.append({"name": m["name"], "model": info, "config": m.get("config") if isinstance(m.get("config"), dict) else {},
                           "runs": runs_out,
                           "summary": {v: summarize([r["metrics"] for r in runs_out[v]]) for v in VARIANTS},
                           "inflation": inflation([r["metrics"] for r in runs_out["grouped"]],
                                                  [r["metrics"] for r in runs_out["random"]])})
    result: dict[str, Any] = {
        "schema": SCHEMA, "task": task_id,
        "dataset": {"name": pool.dataset_name, "config": pool.config, "source": pool.source, "synthetic": pool.synthetic},
        "note": data.get("note") if isinstance(data.get("note"), str) else "",
        "design": {"seeds": sorted(seeds), "split_seeds": [pool.base_seed + s for s in sorted(seeds)],
                   "fractions": pool.fractions, "grouping": {k: v for k, v in pool.grouping.items() if k != "build"}},
        "variants": {v: {"leaks": v == "random", "seeds": [
            {"seed": s, "split_seed": pool.base_seed + s, "fingerprint": tasks[(v, s)].fingerprint,
             "test_rows_grouped_with_train": tasks[(v, s)].meta["split"]["test_rows_grouped_with_train"]}
            for s in sorted(seeds)]} for v in VARIANTS},
        "models": out_models, "rescored": True,
    }
    if nearest:
        s0 = min(seeds)
        blocks, frame = nearest_block({v: tasks[(v, s0)] for v in VARIANTS})
        result["nearest"] = {"seed": s0, "method": NEAREST_METHOD, "file": "nearest.parquet", **blocks}
        frames["nearest.parquet"] = frame
    return result, frames


def submit_audit(path: str | Path, store: str | Path, source: str | None = None,
                 cache_dir: str | Path | None = None) -> tuple[str, bool]:
    """Re-score the audit at `path` (see `rescore_audit`) and store it; return (audit id, newly stored)."""
    result, frames = rescore_audit(path, source=source, cache_dir=cache_dir)
    key = json.dumps([result["task"], result["variants"], [m["model"] for m in result["models"]],
                      [[r["metrics"] for v in ("grouped", "random") for r in m["runs"][v]] for m in result["models"]]],
                     sort_keys=True, default=str)
    audit_id = hashlib.sha256(key.encode()).hexdigest()[:16]
    result = copy.deepcopy(result)
    result["audit_id"] = audit_id
    root = audits_dir(store)
    root.mkdir(parents=True, exist_ok=True)
    final = root / audit_id
    if final.exists():
        return audit_id, False
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    try:
        (tmp / "predictions").mkdir(parents=True)
        for name, frame in frames.items():
            frame.to_parquet(tmp / (name if name == "nearest.parquet" else f"predictions/{name}"), index=False)
        (tmp / "audit.json").write_text(json.dumps(result, indent=2) + "\n")
        try:
            os.rename(tmp, final)
        except OSError:
            if final.exists():
                return audit_id, False
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return audit_id, True
