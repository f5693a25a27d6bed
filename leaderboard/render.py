"""The static board: per-task tables (HTML sortable in the browser, markdown, JSON) and plots.

`board(rows)` turns store index rows into per-task, ranked entries (pure); `render(...)`
writes `index.html` / `leaderboard.md` / `leaderboard.json` plus one PNG per task
(`<task-slug>.png`: a metric's mean ± sd over seeds per model) into `out_dir`.
Rows are ranked by MCC mean (missing values last), then model id. The metric columns are the
metrics the registry (`benchmark.metrics.METRICS`) marks `on_board`, under their titles.

Every string that came with a submission (model id, adapter, task) is escaped for the format it
goes into (`md_text`, `html.escape`) and plots never parse it (no mathtext, no TeX; long labels
cut): one submission cannot break the board or inject markup. Interpretation numbers are shown as
"self-reported" unless the validator re-computed them from per-example attributions
(`leaderboard.validate`: the stored block's `verified` marks).
"""
from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmark.metrics import METRICS, get_metric
from loaders.core.files import atomic_write_text, atomic_write_with

METRIC_COLUMNS: tuple[tuple[str, str], ...] = tuple((m.name, m.title or m.name) for m in METRICS if m.on_board)
"""(metric, column title) of every metric shown on the board, in registry order."""
INTERPRETATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("planted_auroc", "Planted-motif AUROC"), ("random_auroc", "Random-attribution AUROC"), ("fimo_recovery", "FIMO recovery"),
)
RANK_METRIC = "mcc"
SELF_REPORTED_NOTE = ("Interpretation columns are self-reported by the submitter unless marked \"recomputed\" "
                      "(planted AUROC re-computed by the board from the submitted per-base attributions).")
PLOT_LABEL_CHARS = 60
SYNTHETIC_NOTE = ("Synthetic demo data: these numbers come from a generated toy genome and show the pipeline "
                  "working; they say nothing about biology.")
FORMATS = ("html", "md", "json")


def task_slug(task: str) -> str:
    """File-name-safe task id (`herv_classification/binary` -> `herv_classification_binary`)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", task).strip("_") or "task"


def model_label(row: dict[str, Any]) -> str:
    """Model id, marked when the entry is a random-init model or a shuffled-label control."""
    label = f"{row['model_id']} (random init)" if row.get("random_init") else str(row["model_id"])
    return f"{label} (shuffled labels)" if row.get("control") == "shuffled-labels" else label


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    summary = row["summary"]
    return {
        "entry_id": row["entry_id"], "model": model_label(row), "model_id": row["model_id"],
        "revision": row.get("revision"), "random_init": bool(row.get("random_init")), "n_params": row.get("n_params"),
        "adapter": row.get("adapter"), "seeds": row["n_seeds"],
        "metrics": {k: {"mean": (summary.get(k) or {}).get("mean"), "sd": (summary.get(k) or {}).get("sd")}
                    for k, _ in METRIC_COLUMNS},
        "interpretation": {**{k: (row.get("interpretation") or {}).get(k) for k, _ in INTERPRETATION_COLUMNS},
                           "verified": {k: ((row.get("interpretation") or {}).get("verified") or {}).get(k, "self-reported")
                                        for k, _ in INTERPRETATION_COLUMNS}}
        if row.get("interpretation") else None,
        "source": row.get("source"), "synthetic": bool(row.get("synthetic")), "submitted_at": row.get("submitted_at"),
    }


def board(rows: list[dict[str, Any]], task: str | None = None) -> dict[str, dict[str, Any]]:
    """`{task: {synthetic, sources, has_interpretation, entries: [ranked entries]}}` from store rows."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        if task and row["task"] != task:
            continue
        out.setdefault(row["task"], {"entries": []})["entries"].append(_entry(row))
    for info in out.values():
        entries = info["entries"]
        sign = -1.0 if get_metric(RANK_METRIC).higher_is_better else 1.0
        entries.sort(key=lambda e: (e["metrics"][RANK_METRIC]["mean"] is None, sign * (e["metrics"][RANK_METRIC]["mean"] or 0.0),
                                    e["model"], e["entry_id"]))
        for i, e in enumerate(entries, 1):
            e["rank"] = i
        info["synthetic"] = any(e["synthetic"] for e in entries)
        info["sources"] = sorted({str(e["source"]) for e in entries if e["source"]})
        info["has_interpretation"] = any(e["interpretation"] for e in entries)
    return dict(sorted(out.items()))


def fmt_params(n: Any) -> str:
    """313410 -> '313.4k'; None -> '—'."""
    if n is None:
        return "—"
    n = int(n)
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            return f"{n / div:.1f}{unit}"
    return str(n)


def fmt_stat(m: dict[str, Any]) -> str:
    """'0.7917 ± 0.0000'; '—' when missing."""
    if m.get("mean") is None:
        return "—"
    return f"{m['mean']:.4f} ± {(m.get('sd') or 0.0):.4f}"


def fmt_num(v: Any) -> str:
    return "—" if v is None else f"{float(v):.4f}"


def _columns(info: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, header, type) of a task's table."""
    cols = [("rank", "#", "num"), ("model", "Model", "text"), ("n_params", "Params", "num"), ("adapter", "Adapter", "text"),
            ("seeds", "Seeds", "num")]
    cols += [(k, h, "num") for k, h in METRIC_COLUMNS]
    if info["has_interpretation"]:
        cols += [(k, h, "num") for k, h in INTERPRETATION_COLUMNS]
    return cols


def _cell(entry: dict[str, Any], key: str) -> tuple[str, Any]:
    """(display text, sort value) of one cell."""
    if key in dict(METRIC_COLUMNS):
        m = entry["metrics"][key]
        return fmt_stat(m), m["mean"]
    if key in dict(INTERPRETATION_COLUMNS):
        interp = entry["interpretation"] or {}
        v = interp.get(key)
        mark = (interp.get("verified") or {}).get(key, "self-reported")
        return (fmt_num(v) + (f" ({mark})" if v is not None else "")), v
    if key == "n_params":
        return fmt_params(entry["n_params"]), entry["n_params"]
    v = entry.get(key)
    return ("—" if v is None else str(v)), v


# --- plots ------------------------------------------------------------------------------------
def plot_task(task: str, info: dict[str, Any], path: Path, metric: str = RANK_METRIC) -> Path:
    """PNG: `metric` mean ± sd (error bars) per model, best on top."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    entries = [e for e in info["entries"] if e["metrics"][metric]["mean"] is not None][::-1]
    label = dict(METRIC_COLUMNS)[metric]
    # a submitted name is text, never markup: no mathtext ($...$), no TeX
    with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
        fig, ax = plt.subplots(figsize=(7, 1.2 + 0.45 * max(len(entries), 1)), dpi=100)
        try:
            ys = list(range(len(entries)))
            ax.errorbar([e["metrics"][metric]["mean"] for e in entries], ys,
                        xerr=[e["metrics"][metric]["sd"] or 0.0 for e in entries], fmt="o", capsize=4, color="#1f5fa8")
            ax.set_yticks(ys, [plot_text(e["model"]) for e in entries])
            ax.set_ylim(-0.6, max(len(entries), 1) - 0.4)
            ax.set_xlabel(f"{label} (mean ± sd over seeds)")
            ax.grid(axis="x", alpha=0.3)
            title = plot_text(task) + ("  [synthetic demo data]" if info["synthetic"] else "")
            ax.set_title(title, color="#b00020" if info["synthetic"] else "black", fontsize=11)
            fig.tight_layout()
            atomic_write_with(path, lambda tmp: fig.savefig(tmp, format="png"))
        finally:
            plt.close(fig)
    return path


def plot_text(s: str) -> str:
    """A submitted string as a plot label: one line, printable, at most `PLOT_LABEL_CHARS` characters."""
    s = "".join(c if c.isprintable() else " " for c in str(s))
    s = " ".join(s.split())
    return s if len(s) <= PLOT_LABEL_CHARS else s[:PLOT_LABEL_CHARS - 1] + "…"


# --- markdown ---------------------------------------------------------------------------------
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_PUNCT = set("\\`*_[]!|~$")


def md_text(s: str) -> str:
    """A string as literal markdown text inside a line: `&`, `<`, `>` as entities (no raw HTML), the
    characters that open markdown constructs backslash-escaped (no link, image, code, emphasis, math,
    strikethrough, table cell break), one line of printable characters."""
    s = " ".join("".join(c if c.isprintable() else " " for c in str(s)).split())
    return "".join(_MD_ENTITIES.get(c) or (f"\\{c}" if c in _MD_PUNCT else c) for c in s)


_md_escape = md_text


def render_markdown(tasks: dict[str, dict[str, Any]], plots: bool = True, generated_at: str | None = None) -> str:
    lines = ["# PhenoSeq Bench leaderboard", ""]
    if generated_at:
        lines += [f"Generated {generated_at}. Every metric is re-computed from per-example test predictions.", ""]
    if not tasks:
        lines += ["No entries yet.", ""]
    for task, info in tasks.items():
        cols = _columns(info)
        lines += [f"## {md_text(task)}", ""]
        if info["synthetic"]:
            lines += [f"> **{SYNTHETIC_NOTE}**", ""]
        lines.append("| " + " | ".join(md_text(h) for _, h, _ in cols) + " |")
        lines.append("|" + "|".join("---:" if t == "num" else "---" for _, _, t in cols) + "|")
        for e in info["entries"]:
            lines.append("| " + " | ".join(_md_escape(_cell(e, k)[0]) for k, _, _ in cols) + " |")
        lines.append("")
        if plots:
            lines += [f"![{md_text(dict(METRIC_COLUMNS)[RANK_METRIC])} per model, {md_text(task)}]({task_slug(task)}.png)", ""]
        if info["has_interpretation"]:
            lines += [f"_{md_text(SELF_REPORTED_NOTE)}_", ""]
    return "\n".join(lines)


# --- html -------------------------------------------------------------------------------------
_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:1rem 0}th,td{padding:.35rem .7rem;border-bottom:1px solid #ddd}td{white-space:nowrap}
.scroll{overflow-x:auto}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{cursor:pointer;background:#f3f5f8;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
.synthetic-banner{background:#fff3cd;border:1px solid #e0b400;padding:.6rem .9rem;font-weight:600}
.badge{background:#b00020;color:#fff;border-radius:3px;padding:0 .35rem;font-size:.75rem;margin-left:.4rem}
.meta{color:#666}img{max-width:100%}"""

_JS = """(function(){
function val(td,type){var v=td.getAttribute('data-value');if(type==='num'){var x=parseFloat(v);return isNaN(x)?null:x;}
return (v===null?td.textContent:v).toLowerCase();}
function sortTable(table,idx,dir){var head=table.tHead.rows[0].cells,type=head[idx].getAttribute('data-type'),body=table.tBodies[0];
var rows=Array.prototype.slice.call(body.rows);rows.sort(function(a,b){var x=val(a.cells[idx],type),y=val(b.cells[idx],type);
if(x===null&&y===null)return 0;if(x===null)return 1;if(y===null)return -1;var c=x<y?-1:(x>y?1:0);return dir==='asc'?c:-c;});
rows.forEach(function(r){body.appendChild(r);});
for(var i=0;i<head.length;i++){head[i].removeAttribute('aria-sort');}
head[idx].setAttribute('aria-sort',dir==='asc'?'ascending':'descending');}
var tables=document.querySelectorAll('table.sortable');
tables.forEach(function(table){var head=table.tHead.rows[0].cells;Array.prototype.forEach.call(head,function(th,idx){
th.addEventListener('click',function(){var cur=th.getAttribute('aria-sort');
var dir=cur==='descending'?'asc':(cur==='ascending'?'desc':(th.getAttribute('data-first')||'desc'));sortTable(table,idx,dir);});});});
var q=new URLSearchParams(window.location.search),key=q.get('sort');
if(key){tables.forEach(function(table){var head=Array.prototype.slice.call(table.tHead.rows[0].cells);
var idx=head.findIndex(function(c){return c.getAttribute('data-key')===key;});if(idx>=0){sortTable(table,idx,q.get('dir')==='asc'?'asc':'desc');}});}
window.addEventListener('load',function(){document.querySelectorAll('img').forEach(function(img){
img.setAttribute('data-loaded',img.complete&&img.naturalWidth>0?'1':'0');});document.body.setAttribute('data-ready','1');});
})();"""


def render_html(tasks: dict[str, dict[str, Any]], plots: bool = True, generated_at: str | None = None) -> str:
    e = html.escape
    parts = ['<!doctype html>', '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width,initial-scale=1">',
             '<title>PhenoSeq Bench leaderboard</title>', f'<style>{_CSS}</style></head>', '<body data-ready="0">',
             '<h1>PhenoSeq Bench leaderboard</h1>',
             '<p class="meta">Every metric is re-computed from per-example test predictions against the held-out labels '
             'and the dataset fingerprint; mean ± sd over seeds. Click a column header to sort.'
             + (f' Generated {e(generated_at)}.' if generated_at else '') + '</p>']
    if not tasks:
        parts.append('<p id="empty">No entries yet.</p>')
    for task, info in tasks.items():
        slug = task_slug(task)
        cols = _columns(info)
        parts.append(f'<section class="task" id="task-{e(slug)}" data-task="{e(task)}">')
        parts.append(f'<h2>{e(task)}' + ('<span class="badge">synthetic</span>' if info["synthetic"] else '') + '</h2>')
        if info["synthetic"]:
            parts.append(f'<p class="synthetic-banner" role="note">{e(SYNTHETIC_NOTE)}</p>')
        parts.append(f'<div class="scroll"><table class="board sortable" data-task="{e(task)}"><thead><tr>')
        for key, head, typ in cols:
            first = "asc" if key in ("rank", "model", "adapter") else "desc"
            sort = ' aria-sort="ascending"' if key == "rank" else ""
            parts.append(f'<th data-key="{key}" data-type="{typ}" data-first="{first}"{sort}>{e(head)}</th>')
        parts.append('</tr></thead><tbody>')
        for ent in info["entries"]:
            parts.append(f'<tr data-entry="{e(ent["entry_id"])}">')
            for key, _, typ in cols:
                text, value = _cell(ent, key)
                dv = "" if value is None else (repr(float(value)) if typ == "num" else str(value))
                cls = ' class="num"' if typ == "num" else ""
                parts.append(f'<td data-key="{key}" data-value="{e(dv)}"{cls}>{e(text)}</td>')
            parts.append('</tr>')
        parts.append('</tbody></table></div>')
        if info["has_interpretation"]:
            parts.append(f'<p class="meta">{e(SELF_REPORTED_NOTE)}</p>')
        if plots:
            metric = dict(METRIC_COLUMNS)[RANK_METRIC]
            parts.append(f'<figure><img src="{e(slug)}.png" alt="{e(metric)} per model, mean ± sd over seeds ({e(task)})">'
                         f'<figcaption>{e(metric)} per model (mean ± sd over seeds)'
                         + (' on synthetic demo data' if info["synthetic"] else '') + '</figcaption></figure>')
        parts.append('</section>')
    parts += [f'<script>{_JS}</script>', '</body></html>', '']
    return "\n".join(parts)


def render(rows: list[dict[str, Any]], out_dir: str | Path, fmt: str = "html", task: str | None = None,
           generated_at: str | None = None, audits: list[dict[str, Any]] | None = None) -> Path:
    """Write the board in `fmt` (html|md|json) into `out_dir` (plus per-task PNGs for html/md).

    `audits` (stored leakage audits, `leaderboard.audit`) add a "Leakage audit" section.
    """
    from leaderboard import audit as leakage

    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}' (formats: {', '.join(FORMATS)})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tasks = board(rows, task)
    stamp = generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if fmt == "json":
        path = out / "leaderboard.json"
        atomic_write_text(path, json.dumps({"generated_at": stamp, "tasks": tasks, "audits": leakage.json_block(audits or [])},
                                           indent=2) + "\n")
        return path
    for name, info in tasks.items():
        plot_task(name, info, out / f"{task_slug(name)}.png")
    if fmt == "md":
        path = out / "leaderboard.md"
        atomic_write_text(path, leakage.with_audits(render_markdown(tasks, generated_at=stamp), audits or [], out, fmt))
    else:
        path = out / "index.html"
        atomic_write_text(path, leakage.with_audits(render_html(tasks, generated_at=stamp), audits or [], out, fmt))
    return path
