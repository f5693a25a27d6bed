"""Reliability figures for docs/reliability.md: bad inputs, kill -9, concurrent submits, crafted
submissions, start-up timings.

    python benchmarks/reliability.py all --work /tmp/phenoseq-rel        # every figure (~20 min on 2 cores)
    python benchmarks/reliability.py bad-inputs|kill|concurrent|crafted|timing --work DIR

Each part prints one JSON line per figure (and appends it to `--out`, default docs/reliability.jsonl).
The parts are functions the test suite also calls on a reduced scale (tests/test_reliability_*.py):

- `bad_input_cases()`: every command with bad input; each must exit 2 with exactly one line on
  stderr (nothing on stdout, no traceback) and leave nothing behind (workspace and cache compared
  before and after; a complete genome index in the cache is reported, not counted as a leftover).
- `KILL_POINTS`: a child process runs a real `bench` command and SIGKILLs itself at a named point
  (a hook installed before the command starts); the next plain run must give output identical to
  an unkilled run and leave 0 owner-tagged temps (`loaders.core.leftovers`). One more point is hit
  from outside (`kill -9` while the genome is being decompressed, polled on the temp's size).
- `concurrent_submits`: 2 processes x N submits into one store, with overlap; 0 lost, each stored once.
- `CRAFTED`: hostile submissions; each is refused in one line or rendered safely (md, html, json, png).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
THIS = Path(__file__).resolve()
DEMO_TASK = "herv_classification/binary"


def record(out: Path | None, figure: dict[str, Any]) -> dict[str, Any]:
    """Print one figure as a JSON line (and append it to `out`)."""
    line = json.dumps(figure, sort_keys=True)
    print(line, flush=True)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("a") as fh:
            fh.write(line + "\n")
    return figure


def bench_env(cache: Path, store: Path, home: Path) -> dict[str, str]:
    """Environment of a `bench` child: its own cache, store and matplotlib dir, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHENOSEQ_")}
    env.update(PHENOSEQ_CACHE=str(cache), PHENOSEQ_LEADERBOARD=str(store), MPLCONFIGDIR=str(home / "mpl"),
               HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    return env


def run_bench(args: list[str], env: dict[str, str], cwd: Path, hook: str = "-",
              timeout: float = 900) -> subprocess.CompletedProcess:
    """`bench ARGS` in a child process (with the kill hook `hook` installed first, '-' for none)."""
    return subprocess.run([sys.executable, str(THIS), "_child", hook, "--", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


# --- snapshots and leftovers ----------------------------------------------------------------------
def snapshot(*roots: Path) -> dict[str, tuple[int, int] | None]:
    """Every path under `roots`: files as (size, mtime_ns), folders as None."""
    out: dict[str, tuple[int, int] | None] = {}
    for root in roots:
        if not root.exists():
            continue
        for p in root.rglob("*"):
            st = p.lstat()
            out[str(p)] = None if p.is_dir() and not p.is_symlink() else (st.st_size, st.st_mtime_ns)
    return out


def _genome_index(path: str) -> bool:
    """Whether `path` lies in a complete genome index folder of a cache (`<cache>/genomes/<name>-<key>/`)."""
    p = Path(path)
    for parent in (p, *p.parents):
        if parent.parent.name == "genomes" and not parent.name.startswith(".") and (parent / "index.json").is_file():
            return True
    return False


def changes(before: dict, after: dict) -> tuple[list[str], list[str]]:
    """(paths new, gone or changed; of those, the ones inside complete genome indexes)."""
    diff = sorted(p for p in set(before) | set(after) if before.get(p, "absent") != after.get(p, "absent"))
    index = [p for p in diff if _genome_index(p)]
    return [p for p in diff if p not in index], index


LEFTOVER_NAME = re.compile(r"^\..+\.(tmp|old)-|\.tmp$|^tmp[a-z0-9_]{8}$")
"""Temp names of this project (owner-tagged, legacy `.tmp` suffix, bare mkdtemp names)."""


def leftovers(*roots: Path) -> list[str]:
    """Temp files or folders under `roots` (what a killed run may leave)."""
    found = []
    for root in roots:
        if not root.exists():
            continue
        for p in root.rglob("*"):
            if LEFTOVER_NAME.search(p.name) or (p.parent.name == "tmp" and p.parent.parent.name == "leaderboard"):
                found.append(str(p))
    return sorted(found)


# --- inputs -----------------------------------------------------------------------------------------
def _random_seq(rng: Any, n: int) -> str:
    import numpy as np

    return np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, size=n)].tobytes().decode()


def make_inputs(folder: Path) -> Path:
    """The bad (and a few good) input files every case reads, in `folder`."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    chroms = {"chr1": _random_seq(rng, 24_000), "chr2": _random_seq(rng, 24_000)}

    def fasta(records: dict[str, str]) -> str:
        return "".join(f">{k}\n" + "\n".join(v[i:i + 60] for i in range(0, len(v), 60)) + "\n" for k, v in records.items())

    (folder / "ok.fa").write_text(fasta(chroms))
    lines = [f"{c}\t{s}\t{s + 300}\t{lab}\t0\t+" for c in chroms for lab, off in (("neg", 0), ("pos", 400))
             for s in range(off, 23_000, 800)]
    (folder / "ok.bed").write_text("\n".join(lines) + "\n")
    (folder / "x.fa").write_text(fasta({**chroms, "chr1": chroms["chr1"][:1000] + "X" + chroms["chr1"][1001:]}))
    (folder / "iupac.fa").write_text(fasta({**chroms, "chr1": chroms["chr1"][:1000] + "R" + chroms["chr1"][1001:]}))
    (folder / "notfasta.fa").write_text("hello, this is not a FASTA file\n")
    (folder / "dup.fa").write_text(fasta({"chr1": chroms["chr1"]}) + fasta({"chr1": chroms["chr2"]}))
    (folder / "nonutf.fa").write_bytes(b">chr1 \xff\xfe\n" + chroms["chr1"][:600].encode() + b"\n")
    data = gzip.compress(fasta(chroms).encode())
    (folder / "corrupt.fa.gz").write_bytes(data[: len(data) // 2])
    (folder / "bad.bed").write_text("chr1\t10\t5\tneg\n")
    (folder / "chrz.bed").write_text("chrZ\t0\t300\tneg\nchr1\t0\t300\tpos\n")
    (folder / "onelabel.bed").write_text("\n".join(ln.replace("\tpos\t", "\tneg\t") for ln in lines) + "\n")
    (folder / "a_dir").mkdir(exist_ok=True)
    (folder / "file.txt").write_text("a file where a folder is expected\n")
    (folder / "missingcol.csv").write_text("x,y\n1,2\n")
    (folder / "empty.csv").write_text("")
    (folder / "random.csv").write_bytes(bytes(rng.integers(0, 256, size=300, dtype=np.uint8)))
    (folder / "one.csv").write_text("sequence,label\n" + "".join(f"{_random_seq(rng, 40)},a\n" for _ in range(30)))
    (folder / "onetest.csv").write_text("sequence,label,split\n" + "".join(
        f"{_random_seq(rng, 40)},{lab},{sp}\n" for sp, labs in (("train", "ab"), ("validation", "ab"), ("test", "aa"))
        for lab in labs))
    (folder / "illegal.csv").write_text("sequence,label\nACGT,a\nAC*GT,b\nACGT,a\nACGT,b\n")
    (folder / "nonutf.csv").write_bytes(b"sequence,label\nACGT,\xff\n")
    (folder / "nolabel.fa").write_text(">s1\nACGT\n>s2\nACGA\n")
    (folder / "nonutf_task.fa").write_bytes(b">s1 label=a\nAC\xff\xfeGT\n")
    shutil.copy(ROOT / "tests" / "fixtures" / "fimo" / "meme" / "MCM1.meme", folder / "motifs.meme")
    (folder / "seqs.fa").write_text(">s1\n" + _random_seq(rng, 200) + "\n")
    (folder / "model_dir").mkdir(exist_ok=True)
    template = {"schema": "phenoseq-results/2", "task": DEMO_TASK, "dataset_fingerprint": "0" * 64,
                "dataset": {"source": "demo"}, "model": {"id": "m"},
                "seeds": [{"seed": 0, "metrics": {}, "predictions": {"file": "p.parquet"}}], "summary": {}}
    subs = {"notjson.json": None, "list.json": [1, 2],
            "csvtask.json": {**template, "task": "csv:/etc/passwd"},
            "fastatask.json": {**template, "task": "fasta:../../secret.fa"},
            "pathtask.json": {**template, "task": "/etc/passwd"},
            "badfp.json": {**template, "dataset_fingerprint": "not-a-sha"},
            "ctrl.json": {**template, "model": {"id": "evil\x1b[2Jname"}},
            "usersource.json": {**template, "dataset": {"source": "user"}},
            "traversal.json": {**template, "seeds": [{"seed": 0, "metrics": {}, "predictions": {"file": "../../x.parquet"}}]},
            "nosuite.json": {**template, "task": "no_such_dataset/binary"}}
    (folder / "subs").mkdir(exist_ok=True)
    for name, doc in subs.items():
        (folder / "subs" / name).write_text("{not json" if doc is None else json.dumps(doc))
    (folder / "subs" / "p.parquet").write_bytes(b"not parquet")
    corrupt = folder / "corrupt_store"
    corrupt.mkdir(exist_ok=True)
    (corrupt / "index.sqlite").write_bytes(b"this is not an SQLite database" * 10)
    return folder


# --- bad inputs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One bad input: `bench ARGS` ({in} = the inputs folder) must exit 2 with one line matching `expect`."""

    name: str
    args: tuple[str, ...]
    expect: str
    demo: bool = False
    """Needs the demo build of `DEMO_TASK` in the cache (reused, not rebuilt)."""


def _c(name: str, args: str, expect: str, demo: bool = False) -> Case:
    return Case(name, tuple(args.split()), expect, demo)


INTERVALS = "data build intervals --source user --name t"
BAD_INPUTS: tuple[Case, ...] = (
    # bench data build
    _c("data build: unknown dataset", "data build no_such", r"^error: unknown dataset 'no_such'"),
    _c("data build: unknown source", "data build herv_classification --source moon", r"^error: unknown source 'moon'"),
    _c("data build: --param without =", "data build herv_classification --param oops", r"^error: --param expects key=value"),
    _c("data build: unknown param", "data build random_regions --source demo --param nope=1", r"unknown build parameter\(s\) nope"),
    _c("data build: bad --split-by", "data build random_regions --source demo --split-by bogus", r"split_by must be"),
    _c("data build: min_test_per_class 0", "data build random_regions --source demo --param min_test_per_class=0",
       r"min_test_per_class must be an integer >= 1"),
    _c("data build: --seed not an int", "data build random_regions --seed abc", r"^error: Invalid value for '--seed'"),
    _c("data build: --cache-dir is a file", "data build random_regions --source demo --cache-dir {in}/file.txt",
       r"is a file, not a directory"),
    _c("data build: missing --fasta", f"{INTERVALS} --bed {{in}}/ok.bed", r"missing input 'genome' \(pass --fasta PATH\)"),
    _c("data build: --fasta not found", f"{INTERVALS} --fasta {{in}}/nope.fa --bed {{in}}/ok.bed", r"nope\.fa: genome file not found"),
    _c("data build: --fasta is a directory", f"{INTERVALS} --fasta {{in}}/a_dir --bed {{in}}/ok.bed",
       r"a_dir: genome file is a directory, not a file"),
    _c("data build: --bed is a directory", f"{INTERVALS} --fasta {{in}}/ok.fa --bed {{in}}/a_dir", r"bed file is a directory"),
    _c("data build: not a FASTA", f"{INTERVALS} --fasta {{in}}/notfasta.fa --bed {{in}}/ok.bed", r"notfasta\.fa:1: not a FASTA file"),
    _c("data build: duplicate records", f"{INTERVALS} --fasta {{in}}/dup.fa --bed {{in}}/ok.bed", r"dup\.fa: malformed FASTA"),
    _c("data build: non-UTF-8 FASTA", f"{INTERVALS} --fasta {{in}}/nonutf.fa --bed {{in}}/ok.bed", r"nonutf\.fa: not a text FASTA"),
    _c("data build: truncated gzip", f"{INTERVALS} --fasta {{in}}/corrupt.fa.gz --bed {{in}}/ok.bed",
       r"corrupt\.fa\.gz: corrupt or truncated gzip"),
    _c("data build: letter X", f"{INTERVALS} --fasta {{in}}/x.fa --bed {{in}}/ok.bed",
       r"x\.fa: record 'chr1' position 1001: 'X' is not a nucleotide letter"),
    _c("data build: IUPAC code", f"{INTERVALS} --fasta {{in}}/iupac.fa --bed {{in}}/ok.bed",
       r"iupac\.fa: record 'chr1' position 1001: IUPAC ambiguity code 'R'; pass --iupac-as-n"),
    _c("data build: inverted BED interval", f"{INTERVALS} --fasta {{in}}/ok.fa --bed {{in}}/bad.bed", r"bad\.bed:1: invalid interval"),
    _c("data build: BED chromosome not in FASTA", f"{INTERVALS} --fasta {{in}}/ok.fa --bed {{in}}/chrz.bed",
       r"chrz\.bed:1: chromosome 'chrZ' is not in the genome FASTA"),
    _c("data build: one label", f"{INTERVALS} --fasta {{in}}/ok.fa --bed {{in}}/onelabel.bed",
       r"degenerate dataset: needs at least 2 classes, has 1 \(neg\)"),
    _c("data build: bad dataset name", "data build intervals --source user --name herv_classification "
       "--fasta {in}/ok.fa --bed {in}/ok.bed", r"invalid dataset name"),
    # bench data ls / info / push
    _c("data ls: unknown option", "data ls --bogus", r"^error: No such option: --bogus"),
    _c("data info: unknown dataset", "data info no_such", r"^error: unknown dataset 'no_such'"),
    _c("data info: not built", "data info herv_classification --source grch38", r"is not built; run `bench data build"),
    _c("data push: unknown dataset", "data push no_such --repo a/b", r"^error: unknown dataset 'no_such'"),
    _c("data push: bad repo id", f"data push {DEMO_TASK.split('/')[0]} --source demo --repo not-a-repo",
       r"--repo must look like org/name", demo=True),
    # bench ls
    _c("ls: unknown option", "ls --bogus", r"^error: No such option: --bogus"),
    # bench run
    _c("run: --precision fp8", "run --model m --task csv:{in}/one.csv --precision fp8", r"--precision must be one of"),
    _c("run: --attn flash", "run --model m --task csv:{in}/one.csv --attn flash", r"--attn must be one of"),
    _c("run: --warmup 1.5", "run --model m --task csv:{in}/one.csv --warmup 1.5", r"--warmup must be in \[0, 1\)"),
    _c("run: --lr -1", "run --model m --task csv:{in}/one.csv --lr -1", r"--lr must be > 0"),
    _c("run: --max-length 1", "run --model m --task csv:{in}/one.csv --max-length 1", r"--max-length must be at least 2"),
    _c("run: --seeds 0", "run --model m --task csv:{in}/one.csv --seeds 0", r"Invalid value for '--seeds'"),
    _c("run: --out is a file", "run --model m --task csv:{in}/one.csv --out {in}/file.txt", r"--out .*is a file, not a directory"),
    _c("run: --out under a file", "run --model m --task csv:{in}/one.csv --out {in}/file.txt/sub", r"is a file, not a directory"),
    _c("run: missing --model", "run --task csv:{in}/one.csv", r"Missing option '--model'"),
    _c("run: unknown task", "run --model m --task herv_classificaton/binary", r"unknown task .*did you mean 'herv_classification/binary'"),
    _c("run: csv not found", "run --model m --task csv:{in}/nope.csv", r"does not exist"),
    _c("run: csv is a directory", "run --model m --task csv:{in}/a_dir", r"is a directory, not a file"),
    _c("run: csv empty", "run --model m --task csv:{in}/empty.csv", r"cannot read CSV"),
    _c("run: csv of random bytes", "run --model m --task csv:{in}/random.csv", r"random\.csv"),
    _c("run: csv not UTF-8", "run --model m --task csv:{in}/nonutf.csv", r"nonutf\.csv: cannot read CSV"),
    _c("run: one class", "run --model m --task csv:{in}/one.csv", r"need at least 2 classes"),
    _c("run: one class in test", "run --model m --task csv:{in}/onetest.csv", r"degenerate dataset: class 'b' has no test rows"),
    _c("run: illegal letter", "run --model m --task csv:{in}/illegal.csv", r"illegal character\(s\) '\*'.*first at position 3"),
    _c("run: fasta not UTF-8", "run --model m --task fasta:{in}/nonutf_task.fa", r"nonutf_task\.fa:2: not UTF-8 text"),
    _c("run: model dir missing", f"run --model {{in}}/no_model --task {DEMO_TASK} --source demo --seeds 1",
       r"model directory .*no_model' does not exist", demo=True),
    # bench baseline
    _c("baseline: unknown", "baseline nope --task x/y", r"^error: unknown baseline 'nope'"),
    _c("baseline: csv missing column", "baseline majority --task csv:{in}/missingcol.csv", r"missing column 'sequence'"),
    _c("baseline: csv empty", "baseline majority --task csv:{in}/empty.csv", r"cannot read CSV"),
    _c("baseline: fasta not UTF-8", "baseline majority --task fasta:{in}/nonutf_task.fa", r"not UTF-8 text"),
    _c("baseline: fasta without labels", "baseline majority --task fasta:{in}/nolabel.fa", r"has no label"),
    _c("baseline: one class in test", "baseline kmer-lr --task csv:{in}/onetest.csv", r"degenerate dataset"),
    _c("baseline: --out is a file", "baseline majority --task csv:{in}/one.csv --out {in}/file.txt", r"is a file, not a directory"),
    _c("baseline: --epochs not taken", "baseline majority --task x/y --epochs 2", r"--epochs only applies to"),
    _c("baseline: --threads not taken", "baseline kmer-lr --task x/y --threads 2", r"--threads only applies to cnn"),
    _c("baseline: --epochs 0", "baseline cnn --task x/y --epochs 0", r"--epochs must be > 0"),
    # bench interpret
    _c("interpret: model dir missing", "interpret --model {in}/no_model --task x/y", r"model directory .* does not exist"),
    _c("interpret: unknown method", "interpret --model {in}/model_dir --task x/y --method magic", r"unknown method 'magic'"),
    _c("interpret: unknown check", "interpret --model {in}/model_dir --task x/y --check nope", r"unknown check 'nope'"),
    _c("interpret: --results without --check", "interpret --model {in}/model_dir --task x/y --results {in}/file.txt",
       r"--results needs --check planted"),
    _c("interpret: --out is a file", "interpret --model {in}/model_dir --task x/y --out {in}/file.txt", r"is a file, not a directory"),
    # bench motifs scan
    _c("motifs scan: motif file missing", "motifs scan --motifs {in}/none.meme --fasta {in}/seqs.fa --out {in}/hits.tsv",
       r"none\.meme' is neither a motif file nor a JASPAR id"),
    _c("motifs scan: --pvalue 2", "motifs scan --motifs {in}/motifs.meme --fasta {in}/seqs.fa --out {in}/h.tsv --pvalue 2",
       r"--pvalue must be in \(0, 1\]"),
    _c("motifs scan: --out folder missing", "motifs scan --motifs {in}/motifs.meme --fasta {in}/seqs.fa --out {in}/no/h.tsv",
       r"output folder .* does not exist"),
    _c("motifs scan: --out is a directory", "motifs scan --motifs {in}/motifs.meme --fasta {in}/seqs.fa --out {in}/a_dir",
       r"is a directory, not a file"),
    # bench submit
    _c("submit: no such file", "submit {in}/subs/none.json", r"^rejected: no such results file"),
    _c("submit: a directory", "submit {in}/a_dir", r"^rejected: results file .* is a directory"),
    _c("submit: not JSON", "submit {in}/subs/notjson.json", r"^rejected: results file is not valid JSON"),
    _c("submit: JSON list", "submit {in}/subs/list.json", r"^rejected: results JSON must be an object"),
    _c("submit: csv: task", "submit {in}/subs/csvtask.json", r"^rejected: task 'csv:/etc/passwd' is not a suite task"),
    _c("submit: fasta: task", "submit {in}/subs/fastatask.json", r"^rejected: task 'fasta:\.\./\.\./secret\.fa' is not a suite task"),
    _c("submit: path as task", "submit {in}/subs/pathtask.json", r"^rejected: task '/etc/passwd' is not a suite task"),
    _c("submit: fingerprint format", "submit {in}/subs/badfp.json", r"^rejected: dataset_fingerprint 'not-a-sha' is not a sha256"),
    _c("submit: control character in model id", "submit {in}/subs/ctrl.json", r"^rejected: model\.id contains a control"),
    _c("submit: user source", "submit {in}/subs/usersource.json", r"^rejected: source 'user' cannot be scored"),
    _c("submit: path traversal", "submit {in}/subs/traversal.json", r"^rejected: unsafe predictions file name"),
    _c("submit: not a suite task", "submit {in}/subs/nosuite.json",
       r"^rejected: task 'no_such_dataset/binary' is not a task of the suite"),
    _c("submit: --store is a file", "submit {in}/subs/csvtask.json --store {in}/file.txt", r"--store .*is a file"),
    _c("submit: --source user", "submit {in}/subs/nosuite.json --source user", r"^rejected: source 'user' cannot be scored"),
    # bench audit
    _c("audit: no --task", "audit --baseline kmer-lr", r"bench audit needs --task"),
    _c("audit: nothing to audit", "audit --task csv:{in}/one.csv", r"nothing to audit"),
    _c("audit: unknown baseline", "audit --task csv:{in}/one.csv --baseline nope", r"unknown baseline 'nope'"),
    _c("audit: --epochs 0", "audit --task csv:{in}/one.csv --baseline cnn --epochs 0", r"--epochs must be > 0"),
    _c("audit: --out is a file", "audit --task csv:{in}/one.csv --baseline kmer-lr --out {in}/file.txt",
       r"--out .*is a file, not a directory"),
    _c("audit: unknown task", "audit --task herv_classificaton/binary --baseline kmer-lr",
       r"unknown task .*did you mean 'herv_classification/binary'"),
    _c("audit: one class", "audit --task csv:{in}/one.csv --baseline kmer-lr", r"need at least 2 classes"),
    _c("audit submit: no such file", "audit submit {in}/subs/none.audit.json", r"none\.audit\.json"),
    _c("audit submit: not JSON", "audit submit {in}/subs/notjson.json", r"notjson\.json|not valid JSON"),
    # bench leaderboard
    _c("leaderboard: unknown format", "leaderboard --format pdf --out {in}/site", r"^error: unknown format 'pdf'"),
    _c("leaderboard: --store is a file", "leaderboard --store {in}/file.txt --out {in}/site", r"--store .*is a file"),
    _c("leaderboard: --out is a file", "leaderboard --out {in}/file.txt", r"--out .*is a file"),
    _c("leaderboard: corrupt index.sqlite", "leaderboard --store {in}/corrupt_store --out {in}/site",
       r"index\.sqlite: corrupt results index .*delete it"),
    _c("leaderboard: no such task", "leaderboard --task nope/x --out {in}/site", r"no entries for task 'nope/x'"),
    _c("leaderboard push: bad repo", "leaderboard push --repo bad_repo", r"--repo must look like org/name"),
    _c("leaderboard push: empty store", "leaderboard push --repo org/name", r"has no entries to push"),
)


COMMANDS = ("data build", "data ls", "data info", "data push", "ls", "run", "baseline", "interpret", "motifs scan",
            "submit", "audit submit", "audit", "leaderboard push", "leaderboard")


def case_command(case: Case) -> str:
    """The `bench` command a case exercises (longest match in `COMMANDS`)."""
    words = " ".join(case.args) + " "
    return max((c for c in COMMANDS if words.startswith(c + " ")), key=len)


def case_args(case: Case, inputs: Path) -> list[str]:
    return [a.replace("{in}", str(inputs)) for a in case.args]


@dataclass
class Outcome:
    """What one bad-input case did."""

    case: str
    exit_code: int
    lines: list[str]
    stdout: str
    left: list[str]
    genome_index: list[str]
    matched: bool
    traceback: bool

    @property
    def ok(self) -> bool:
        return self.exit_code == 2 and len(self.lines) == 1 and not self.stdout and not self.left and self.matched \
            and not self.traceback


def check_case(case: Case, inputs: Path, cache: Path, store: Path, work: Path,
               invoke: Callable[[list[str]], tuple[int, str, str]]) -> Outcome:
    """Run one case through `invoke(args) -> (exit code, stdout, stderr)` and judge it."""
    roots = (inputs, cache, store, work)
    before = snapshot(*roots)
    code, out, err = invoke(case_args(case, inputs))
    left, index = changes(before, snapshot(*roots))
    lines = err.splitlines()
    return Outcome(case.name, code, lines, out, left, index, bool(lines) and bool(re.search(case.expect, lines[0])),
                   "Traceback" in err or "Traceback" in out)


def subprocess_invoke(env: dict[str, str], cwd: Path) -> Callable[[list[str]], tuple[int, str, str]]:
    def invoke(args: list[str]) -> tuple[int, str, str]:
        proc = run_bench(args, env, cwd, timeout=600)
        return proc.returncode, proc.stdout, proc.stderr
    return invoke


def prepare_demo(cache: Path, store: Path, home: Path) -> None:
    """Build `DEMO_TASK` (demo source) into `cache` once."""
    if not (cache / "datasets" / "demo" / DEMO_TASK.split("/")[0] / "build.json").is_file():
        proc = run_bench(["data", "build", DEMO_TASK.split("/")[0], "--source", "demo"], bench_env(cache, store, home), home)
        if proc.returncode:
            raise RuntimeError(f"demo build failed: {proc.stderr[-2000:]}")


def bad_inputs(work: Path, out: Path | None = None, cases: Iterable[Case] = BAD_INPUTS) -> dict[str, Any]:
    """Every case as a real `bench` child process; the figure for docs/reliability.md."""
    work.mkdir(parents=True, exist_ok=True)
    cache, store, home = work / "cache", work / "store", work / "home"
    home.mkdir(exist_ok=True)
    prepare_demo(cache, store, home)
    inputs = make_inputs(work / "inputs")
    cwd = work / "cwd"
    cwd.mkdir(exist_ok=True)
    invoke = subprocess_invoke(bench_env(cache, store, home), cwd)
    outcomes = [check_case(c, inputs, cache, store, cwd, invoke) for c in cases]
    bad = [o for o in outcomes if not o.ok]
    for o in bad:
        print(f"FAILED {o.case}: exit {o.exit_code}, {len(o.lines)} line(s): {o.lines[:3]} stdout={o.stdout[:200]!r} "
              f"left={o.left[:5]}", file=sys.stderr)
    commands = sorted({case_command(c) for c in cases})
    return record(out, {"figure": "bad_inputs", "cases": len(outcomes), "ok": len(outcomes) - len(bad),
                        "failed": [o.case for o in bad], "commands": commands,
                        "cases_that_left_a_genome_index": sum(bool(o.genome_index) for o in outcomes)})


# --- kill -9 ------------------------------------------------------------------------------------------
def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _hook_genome_decompress() -> None:
    import loaders.build.genome as genome

    def copy(src: Any, dst: Any, length: int = 1 << 22) -> None:
        written = 0
        while chunk := src.read(1 << 16):
            dst.write(chunk)
            written += len(chunk)
            if written >= 1 << 17:  # 128 KiB of the genome written: die mid-stream
                dst.flush()
                _die()

    genome.shutil = type("shutil_proxy", (), {"copyfileobj": staticmethod(copy), "rmtree": staticmethod(shutil.rmtree)})


def _hook_genome_index() -> None:
    import pyfaidx

    real = pyfaidx.Faidx.build_index

    def build_index(self: Any) -> None:
        real(self)
        _die()

    pyfaidx.Faidx.build_index = build_index


def _hook_demo_world() -> None:
    import loaders.demo.world as world

    real = world.generate

    def generate(out: Any, recipe: Any) -> Any:
        real(out, recipe)
        _die()

    world.generate = generate


def _hook_export_tmp() -> None:
    import loaders.build.export as export

    real = export.fingerprint_split

    def fingerprint(ds: Any) -> str:
        real(ds)
        _die()
        return ""

    export.fingerprint_split = fingerprint


def _patch_os(name: str, when: Callable[[str, str], bool], after: bool) -> None:
    real = getattr(os, name)

    def patched(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        hit = when(str(src), str(dst))
        if hit and not after:
            _die()
        real(src, dst, *args, **kwargs)
        if hit:
            _die()

    setattr(os, name, patched)


def _hook_export_swap() -> None:
    _patch_os("replace", lambda src, dst: ".old-" in Path(dst).name, after=True)


def _hook_results_write() -> None:
    _patch_os("replace", lambda src, dst: dst.endswith(".predictions.parquet"), after=False)


def _hook_store_stage() -> None:
    _patch_os("rename", lambda src, dst: Path(dst).parent.name == "entries", after=False)


def _hook_store_index() -> None:
    from leaderboard.store import ResultsStore

    ResultsStore._insert = lambda self, rows, verb="INSERT OR REPLACE": _die()


HOOKS: dict[str, Callable[[], None]] = {
    "genome-decompress": _hook_genome_decompress, "genome-index": _hook_genome_index, "demo-world": _hook_demo_world,
    "export-tmp": _hook_export_tmp, "export-swap": _hook_export_swap, "results-write": _hook_results_write,
    "store-stage": _hook_store_stage, "store-index": _hook_store_index,
}


@dataclass(frozen=True)
class KillPoint:
    """Where a run is killed: the command and how its output is compared."""

    name: str
    setup: tuple[tuple[str, ...], ...]
    """Commands run (unkilled) before the killed one, e.g. a first build before a `--rebuild`."""
    command: tuple[str, ...]
    output: str
    """What to compare: `dataset:<source>/<name>`, `results`, or `store`."""
    followup: tuple[str, ...] = ()
    """The 'next run' when it differs from `command` (e.g. the board read after a killed submit)."""


def _user_build(name: str) -> tuple[str, ...]:
    return ("data", "build", "intervals", "--source", "user", "--fasta", "{in}/genome.fa.gz", "--bed", "{in}/ok.bed",
            "--name", name)


SUITE_BASELINE = ("baseline", "majority", "--task", "random_regions/binary", "--source", "demo", "--seeds", "2",
                  "--out", "{work}/res")
"""A suite-task result to submit (random_regions: the quickest demo build)."""
KILL_POINTS: tuple[KillPoint, ...] = (
    KillPoint("genome-decompress", (), _user_build("k"), "dataset:user/k"),
    KillPoint("genome-index", (), _user_build("k"), "dataset:user/k"),
    KillPoint("demo-world", (), ("data", "build", "random_regions", "--source", "demo"), "dataset:demo/random_regions"),
    KillPoint("export-tmp", (), ("data", "build", "random_regions", "--source", "demo"), "dataset:demo/random_regions"),
    KillPoint("export-swap", (("data", "build", "random_regions", "--source", "demo"),),
              ("data", "build", "random_regions", "--source", "demo", "--rebuild"), "dataset:demo/random_regions"),
    KillPoint("results-write", (), ("baseline", "majority", "--task", "csv:{in}/task.csv", "--seeds", "2", "--out", "{work}/res"),
              "results"),
    KillPoint("store-stage", (SUITE_BASELINE,), ("submit", "{work}/res/SUBMISSION"), "store"),
    KillPoint("store-index", (SUITE_BASELINE,), ("submit", "{work}/res/SUBMISSION"), "store",
              followup=("leaderboard", "--format", "json", "--out", "{work}/site")),
)


def make_kill_inputs(folder: Path, genome_mb: float = 0.05) -> Path:
    """Inputs of the kill runs: a gzip genome (`genome_mb` MB of sequence), its BED, a small CSV task."""
    import numpy as np

    make_inputs(folder)
    rng = np.random.default_rng(11)
    n = max(150_000, int(genome_mb * 1e6) // 2)
    chroms = {"chr1": _random_seq(rng, n), "chr2": _random_seq(rng, n)}
    with gzip.open(folder / "genome.fa.gz", "wt", compresslevel=1) as fh:
        for k, v in chroms.items():
            fh.write(f">{k}\n")
            fh.writelines(v[i:i + 60] + "\n" for i in range(0, len(v), 60))
    (folder / "task.csv").write_text("sequence,label\n" + "".join(
        f"{_random_seq(rng, 80)},{lab}\n" for lab in ("a", "b") for _ in range(40)))
    return folder


def _fill(args: Iterable[str], inputs: Path, work: Path) -> list[str]:
    filled = [a.replace("{in}", str(inputs)).replace("{work}", str(work)) for a in args]
    if any(a.endswith("SUBMISSION") for a in filled):
        found = sorted((work / "res").glob("*.json"))
        filled = [str(found[0]) if a.endswith("SUBMISSION") else a for a in filled]
    return filled


def _tree_digest(folder: Path, drop: Callable[[Path, Any], Any] | None = None) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            data: Any = p.read_bytes()
            if drop is not None:
                data = drop(p, data)
            h.update(str(p.relative_to(folder)).encode() + b"\0" + (data if isinstance(data, bytes) else data.encode()))
    return h.hexdigest()


def _results_digest(work: Path) -> str:
    def drop(p: Path, data: bytes) -> bytes:
        if p.suffix != ".json":
            return data
        doc = json.loads(data)
        for s in doc.get("seeds", []):
            s.pop("train_seconds", None)
        return json.dumps(doc, sort_keys=True).encode()
    return _tree_digest(work / "res", drop)


def _store_digest(store: Path) -> str:
    import sqlite3

    from leaderboard.store import ResultsStore

    con = sqlite3.connect(store / "index.sqlite")  # what the runs indexed, before a reader could heal anything
    indexed = sorted(r[0] for r in con.execute("SELECT entry_id FROM entries"))
    con.close()
    rows = ResultsStore(store).rows()
    h = hashlib.sha256(json.dumps(indexed).encode())
    for r in sorted(rows, key=lambda r: r["entry_id"]):
        h.update(json.dumps({k: v for k, v in r.items() if k != "submitted_at"}, sort_keys=True).encode())
        h.update((store / "entries" / r["entry_id"] / "predictions.parquet").read_bytes())
    return h.hexdigest()


def output_digest(point: KillPoint, cache: Path, store: Path, work: Path) -> str:
    kind, _, what = point.output.partition(":")
    if kind == "dataset":
        folder = cache / "datasets" / what
        return _tree_digest(folder) if (folder / "build.json").is_file() else "missing"
    if kind == "results":
        return _results_digest(work)
    return _store_digest(store)


def kill_run(point: KillPoint, base: Path, inputs: Path, label: str, hook: str | None) -> dict[str, Any]:
    """One environment: setup, then the command (killed at `hook` if given), then the plain next run."""
    work = base / label
    shutil.rmtree(work, ignore_errors=True)
    cache, store, home = work / "cache", work / "store", work / "home"
    for d in (cache, home):
        d.mkdir(parents=True)
    env = bench_env(cache, store, home)
    for cmd in point.setup:
        proc = run_bench(_fill(cmd, inputs, work), env, home)
        if proc.returncode:
            raise RuntimeError(f"{point.name} setup failed: {proc.stderr[-2000:]}")
    out: dict[str, Any] = {}
    if hook is not None:
        killed = run_bench(_fill(point.command, inputs, work), env, home, hook=hook)
        out["killed"] = killed.returncode == -signal.SIGKILL
        if not out["killed"]:
            raise RuntimeError(f"{point.name}: hook did not fire (exit {killed.returncode}): {killed.stderr[-2000:]}")
        out["leftovers_after_kill"] = len(leftovers(cache, store, work / "res"))
    nxt = run_bench(_fill(point.command, inputs, work), env, home)
    if nxt.returncode:
        raise RuntimeError(f"{point.name}: next run failed: {nxt.stderr[-2000:]}")
    if point.followup:
        follow = run_bench(_fill(point.followup, inputs, work), env, home)
        if follow.returncode:
            raise RuntimeError(f"{point.name}: follow-up failed: {follow.stderr[-2000:]}")
    out["leftovers_after_next_run"] = leftovers(cache, store, work / "res")
    out["digest"] = output_digest(point, cache, store, work)
    return out


def external_kill_decompression(base: Path, inputs: Path) -> dict[str, Any]:
    """`kill -9` from outside while the genome is being decompressed (polled on the temp file's size)."""
    point = KILL_POINTS[0]
    work = base / "external"
    shutil.rmtree(work, ignore_errors=True)
    cache, store, home = work / "cache", work / "store", work / "home"
    for d in (cache, home):
        d.mkdir(parents=True)
    env = bench_env(cache, store, home)
    args = [sys.executable, str(THIS), "_child", "-", "--", *_fill(point.command, inputs, work)]
    proc = subprocess.Popen(args, env=env, cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    size = 0
    deadline = time.time() + 600
    while proc.poll() is None and time.time() < deadline:
        temps = list((cache / "genomes").glob(".*.tmp-*/genome.fa")) if (cache / "genomes").exists() else []
        size = max([t.stat().st_size for t in temps if t.exists()] or [0])
        if size > 8 << 20:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait()
    result = {"killed_at_bytes": size, "killed": proc.returncode == -signal.SIGKILL,
              "leftovers_after_kill": len(leftovers(cache))}
    nxt = run_bench(_fill(point.command, inputs, work), env, home)
    result["next_run_exit"] = nxt.returncode
    result["leftovers_after_next_run"] = leftovers(cache)
    result["digest"] = output_digest(point, cache, store, work)
    return result


def kill_points(work: Path, out: Path | None = None, points: Iterable[KillPoint] = KILL_POINTS,
                genome_mb: float = 0.05, external: bool = False) -> dict[str, Any]:
    """Per point: reference digest (unkilled), killed run, next run; the figure for docs/reliability.md."""
    work.mkdir(parents=True, exist_ok=True)
    inputs = make_kill_inputs(work / "inputs", genome_mb)
    rows = []
    refs: dict[tuple, dict[str, Any]] = {}
    for point in points:
        key = (point.setup, point.command, point.output, point.followup)
        if key not in refs:  # points that kill the same command share its unkilled reference
            refs[key] = kill_run(point, work, inputs, f"{point.name}-ref", None)
        ref = refs[key]
        got = kill_run(point, work, inputs, f"{point.name}-kill", point.name)
        rows.append({"point": point.name, "killed": got["killed"], "leftovers_after_kill": got["leftovers_after_kill"],
                     "leftovers_after_next_run": len(got["leftovers_after_next_run"]),
                     "identical": got["digest"] == ref["digest"] and ref["digest"] != "missing"})
    figure: dict[str, Any] = {"figure": "kill9", "points": rows,
                              "all_identical": all(r["identical"] for r in rows),
                              "leftovers_after_next_run": sum(r["leftovers_after_next_run"] for r in rows)}
    if external:
        ref = kill_run(KILL_POINTS[0], work, inputs, "external-ref", None)
        ext = external_kill_decompression(work, inputs)
        figure["external_decompression_kill"] = {
            "genome_mb": genome_mb, "killed": ext["killed"], "killed_at_bytes": ext["killed_at_bytes"],
            "leftovers_after_kill": ext["leftovers_after_kill"], "leftovers_after_next_run": len(ext["leftovers_after_next_run"]),
            "identical": ext["digest"] == ref["digest"]}
    return record(out, figure)


# --- concurrent submits -----------------------------------------------------------------------------
def variants(src: Path, folder: Path, n: int, prefix: str = "race") -> list[Path]:
    """`n` copies of a submission differing only in model id (so in entry id)."""
    res = json.loads(src.read_text())
    pred = src.parent / res["seeds"][0]["predictions"]["file"]
    paths = []
    for i in range(n):
        d = folder / f"v{i:03d}"
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(pred, d / pred.name)
        res["model"]["id"] = f"{prefix}/model-{i:03d}"
        (d / src.name).write_text(json.dumps(res))
        paths.append(d / src.name)
    return paths


def _submit_worker(store_root: str, paths: list[str], barrier: Any, task_factory: Any) -> list[tuple[str, bool]]:
    from leaderboard.store import ResultsStore, submit

    task = task_factory() if task_factory is not None else None
    store = ResultsStore(store_root)
    barrier.wait(timeout=600)
    return [(s.entry_id, s.created) for s in (submit(p, store, task=task) for p in paths)]


def concurrent_submits(src: Path, work: Path, per_worker: int = 100, overlap: int = 10, workers: int = 2,
                       task_factory: Any = None, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`workers` processes submit `per_worker` files each at once (consecutive workers share `overlap`)."""
    import multiprocessing as mp
    import sqlite3

    from leaderboard.store import ResultsStore

    shutil.rmtree(work, ignore_errors=True)
    total = workers * per_worker - (workers - 1) * overlap
    paths = [str(p) for p in variants(src, work / "subs", total)]
    jobs = [paths[w * (per_worker - overlap): w * (per_worker - overlap) + per_worker] for w in range(workers)]
    store_root = work / "store"
    ctx = mp.get_context("spawn")
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        with ctx.Manager() as manager:
            barrier = manager.Barrier(workers)
            t0 = time.perf_counter()
            with ctx.Pool(workers) as pool:
                outcomes = pool.starmap(_submit_worker, [(str(store_root), job, barrier, task_factory) for job in jobs],
                                        chunksize=1)
            seconds = time.perf_counter() - t0
    finally:
        os.environ.clear()
        os.environ.update(saved)
    created: dict[str, int] = {}
    for o in outcomes:
        for entry_id, was_created in o:
            created[entry_id] = created.get(entry_id, 0) + int(was_created)
    store = ResultsStore(store_root)
    rows = store.rows()
    con = sqlite3.connect(store.index_path)
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    entries = sorted(p.name for p in store.entries_dir.iterdir())
    return {"figure": "concurrent_submits", "workers": workers, "submits_per_worker": per_worker, "overlap": overlap,
            "distinct_expected": total, "entries": len(entries), "indexed": len(rows),
            "lost": total - len({r["entry_id"] for r in rows}), "stored_twice": sum(v > 1 for v in created.values()),
            "integrity": integrity, "tmp_left": len(list((store_root / "tmp").iterdir())),
            "rebuild_index": store.rebuild_index(), "seconds": round(seconds, 1)}


# --- crafted submissions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Craft:
    """A hostile submission: edits of an honest one, and the expected outcome (`refused` regex or `rendered`)."""

    name: str
    edit_json: Callable[[dict], Any] | None = None
    edit_frame: Callable[[Any], Any] | None = None
    files: Callable[[Path, dict], Any] | None = None
    """Writes extra files beside the JSON (may edit the results dict)."""
    refused: str | None = None
    rendered: Callable[[dict[str, str]], bool] | None = None
    """Given the rendered board files {md, html, json}, whether the entry shows safely."""


def _set_model(name: str) -> Callable[[dict], None]:
    return lambda r: r["model"].update(id=name)


def _first(frame: Any, col: str, value: Any) -> Any:
    frame = frame.copy()
    frame.loc[0, col] = value
    return frame


def _examples(path: Path, res: dict, tamper: float = 0.0, site_end: int | None = None, rows: int = 4) -> None:
    """A per-example interpretation file beside the JSON whose planted AUROC the validator re-computes."""
    import numpy as np
    import pandas as pd

    from leaderboard.validate import planted_auroc_from_examples

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"id": [f"bg{i}|planted|MA0108|{10 + i}+" for i in range(rows)], "motif_id": ["MA0108"] * rows,
                          "site_start": [10 + i for i in range(rows)],
                          "site_end": [site_end if site_end is not None else 25 + i for i in range(rows)],
                          "attribution": [rng.random(100) + np.r_[np.zeros(10 + i), np.ones(15), np.zeros(75 - i)]
                                          for i in range(rows)]})
    frame.to_parquet(path.parent / "interp.parquet", index=False)
    auroc = planted_auroc_from_examples(frame) if site_end is None else 0.9
    from loaders.core.files import sha256_file

    res["interpretation"] = {"method": "gradxinput", "planted_auroc": round(auroc + tamper, 6), "random_auroc": 0.5,
                             "fimo_recovery": 0.5, "n_sequences": rows, "motifs": ["MA0108"],
                             "per_example": {"file": "interp.parquet", "sha256": sha256_file(path.parent / "interp.parquet")}}


def _safe_board(name: str) -> Callable[[dict[str, str]], bool]:
    def ok(board: dict[str, str]) -> bool:
        html, md, js = board["html"], board["md"], board["json"]
        one_script = html.count("<script") == 1  # the board's own sorting script only
        no_md_html = "<script" not in md and "<img" not in md and "<svg" not in md
        no_md_image = len(re.findall(r"(?<!\\)!\[", md)) == md.count("\n## ")  # only the board's own plot per task
        models = [e["model_id"] for t in json.loads(js)["tasks"].values() for e in t["entries"]]
        return one_script and no_md_html and no_md_image and name in models and board["png"] == "ok"
    return ok


CRAFTED: tuple[Craft, ...] = (
    Craft("mathtext model name", _set_model("$\\frac{a}{b}$ $x^2$"), rendered=_safe_board("$\\frac{a}{b}$ $x^2$")),
    Craft("unbalanced $ model name", _set_model("price $5 and $"), rendered=_safe_board("price $5 and $")),
    Craft("TeX command model name", _set_model("\\begin{document}\\end"), rendered=_safe_board("\\begin{document}\\end")),
    Craft("<script> model name", _set_model("<script>alert(1)</script>"), rendered=_safe_board("<script>alert(1)</script>")),
    Craft("markdown image model name", _set_model("![x](https://evil.example/t.png)"),
          rendered=_safe_board("![x](https://evil.example/t.png)")),
    Craft("markdown link + html img", _set_model("[ok](javascript:alert(1)) <img src=x onerror=alert(1)>"),
          rendered=_safe_board("[ok](javascript:alert(1)) <img src=x onerror=alert(1)>")),
    Craft("table-breaking model name", _set_model("a | b | c"), rendered=_safe_board("a | b | c")),
    Craft("interpretation without per-example (self-reported)",
          lambda r: r.update(interpretation={"method": "ig", "planted_auroc": 0.99, "random_auroc": 0.5,
                                             "fimo_recovery": 1.0, "n_sequences": 10, "motifs": []}),
          rendered=lambda b: "0.9900 (self-reported)" in b["md"] and "0.9900 (self-reported)" in b["html"]),
    Craft("interpretation with per-example (recomputed)", files=lambda p, r: _examples(p, r),
          rendered=lambda b: "(recomputed)" in b["md"] and "(recomputed)" in b["html"]),
    Craft("per-example with tampered planted AUROC", files=lambda p, r: _examples(p, r, tamper=-0.05),
          refused=r"^interpretation: reported planted_auroc .* differs from re-computed"),
    Craft("per-example site outside the sequence", files=lambda p, r: _examples(p, r, site_end=500),
          refused=r"^interpretation per_example row 0: site \[10, 500\) outside its 100 bases$"),
    Craft("per-example sha256 mismatch", files=lambda p, r: (_examples(p, r), r["interpretation"]["per_example"].update(sha256="0" * 64)),
          refused=r"^interpretation per_example file 'interp\.parquet' does not match the sha256"),
    Craft("n_sequences disagrees with per-example",
          files=lambda p, r: (_examples(p, r), r["interpretation"].update(n_sequences=99)),
          refused=r"^interpretation: n_sequences 99 but per_example has 4 probes$"),
    Craft("planted AUROC above 1", lambda r: r.update(interpretation={"planted_auroc": 1.5}),
          refused=r"^interpretation\.planted_auroc must be in \[0, 1\]$"),
    Craft("claims to be verified", lambda r: r.update(interpretation={"planted_auroc": 0.8, "verified": {"planted_auroc": "recomputed"}}),
          rendered=lambda b: "0.8000 (self-reported)" in b["md"]),
    Craft("csv: task", lambda r: r.update(task="csv:/etc/passwd"), refused=r"^task 'csv:/etc/passwd' is not a suite task"),
    Craft("fasta: task", lambda r: r.update(task="fasta:/etc/hostname"), refused=r"^task 'fasta:/etc/hostname' is not a suite task"),
    Craft("path task", lambda r: r.update(task="../../etc/passwd"), refused=r"is not a suite task"),
    Craft("task not in the suite", lambda r: r.update(task="no_such_dataset/binary"), refused=r"is not a task of the suite"),
    Craft("user source", lambda r: r.update(dataset={**r["dataset"], "source": "user"}), refused=r"^source 'user' cannot be scored"),
    Craft("fingerprint not a sha256", lambda r: r.update(dataset_fingerprint="../x"), refused=r"is not a sha256"),
    Craft("wrong fingerprint", lambda r: r.update(dataset_fingerprint="0" * 64), refused=r"does not match the local build"),
    Craft("control character in model id", _set_model("model\x1b]0;pwned\x07"), refused=r"^model\.id contains a control"),
    Craft("bidi override in model id", _set_model("safe\u202eexe.evil"), refused=r"^model\.id contains a control"),
    Craft("overlong model id", _set_model("m" * 5000), refused=r"^model\.id is longer than 200 characters$"),
    Craft("reported metric differs", lambda r: r["seeds"][0]["metrics"].update(accuracy=0.999), refused=r"^seed 0: reported accuracy"),
    Craft("reported summary differs", lambda r: r["summary"]["mcc"].update(mean=0.77), refused=r"^summary: reported mcc mean"),
    Craft("unknown schema", lambda r: r.update(schema="phenoseq-results/99"), refused=r"^unknown schema version"),
    Craft("too many seeds", lambda r: r.update(seeds=[{**r["seeds"][0], "seed": i} for i in range(101)]),
          refused=r"^too many seeds: 101 \(limit 100\)$"),
    Craft("path traversal", lambda r: [s["predictions"].update(file="../../etc/passwd.parquet") for s in r["seeds"]],
          refused=r"^unsafe predictions file name"),
    Craft("NaN probability", edit_frame=lambda f: _first(f, "prob_0", float("nan")), refused=r"NaN or infinite"),
    Craft("probabilities not summing to 1", edit_frame=lambda f: _first(f, "prob_1", 5.0), refused=r"outside \[0, 1\]|do not sum to 1"),
    Craft("unknown test id", edit_frame=lambda f: _first(f, "id", "evil:id"), refused=r"unknown test id"),
    Craft("garbage predictions parquet", files=lambda p, r: _garbage_parquet(p, r), refused=r"^unreadable predictions parquet"),
    Craft("JSON not an object", files=lambda p, r: (r.clear(), r.update({"__list__": True})), refused=r"must be an object"),
)


def _garbage_parquet(path: Path, res: dict) -> None:
    from loaders.core.files import sha256_file

    pred = path.parent / res["seeds"][0]["predictions"]["file"]
    pred.write_bytes(b"PAR1 not really parquet PAR1")
    for s in res["seeds"]:
        s["predictions"]["sha256"] = sha256_file(pred)


def craft(src: Path, dst: Path, c: Craft) -> Path:
    """A copy of the submission at `src` in `dst`, edited as `c` says (sha256 kept consistent)."""
    import pandas as pd

    from loaders.core.files import sha256_file

    dst.mkdir(parents=True, exist_ok=True)
    res = json.loads(src.read_text())
    pred_name = res["seeds"][0]["predictions"]["file"]
    shutil.copy(src.parent / pred_name, dst / pred_name)
    path = dst / src.name
    if c.edit_frame is not None:
        frame = c.edit_frame(pd.read_parquet(dst / pred_name))
        frame.to_parquet(dst / pred_name, index=False)
        for s in res["seeds"]:
            s["predictions"]["sha256"] = sha256_file(dst / pred_name)
            s["predictions"]["rows"] = int((frame["seed"] == s["seed"]).sum())
    if c.edit_json is not None:
        c.edit_json(res)
    if c.files is not None:
        c.files(path, res)
    path.write_text(json.dumps([1] if res.get("__list__") else res))
    return path


def render_board(store: Any, out: Path) -> dict[str, str]:
    """md, html and json of the board (and whether the plot was written)."""
    from leaderboard.render import render

    rows = store.rows()
    board = {fmt: render(rows, out, fmt, generated_at="G").read_text() for fmt in ("md", "html", "json")}
    board["png"] = "ok" if all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in out.glob("*.png")) and list(out.glob("*.png")) else "missing"
    return board


def crafted_submissions(src: Path, work: Path, task: Any = None, source: str | None = None,
                        crafts: Iterable[Craft] = CRAFTED) -> dict[str, Any]:
    """Each crafted submission into its own store: refused in one line, or accepted and rendered safely."""
    from leaderboard.store import ResultsStore, submit
    from leaderboard.validate import SubmissionError

    shutil.rmtree(work, ignore_errors=True)
    rows = []
    for i, c in enumerate(crafts):
        path = craft(src, work / f"c{i:02d}", c)
        store = ResultsStore(work / f"store{i:02d}")
        outcome: dict[str, Any] = {"craft": c.name}
        try:
            submit(path, store, task=task, source=source)
        except SubmissionError as exc:
            msg = str(exc)
            outcome.update(result="refused", one_line="\n" not in msg,
                           ok=c.refused is not None and bool(re.search(c.refused, msg)) and "\n" not in msg
                           and not store.rows(), message=msg[:160])
        else:
            if c.rendered is None:
                outcome.update(result="accepted", ok=False)
            else:
                board = render_board(store, work / f"site{i:02d}")
                outcome.update(result="rendered", ok=bool(c.rendered(board)))
        rows.append(outcome)
    return {"figure": "crafted_submissions", "submissions": len(rows), "ok": sum(r["ok"] for r in rows),
            "refused": sum(r["result"] == "refused" for r in rows), "rendered": sum(r["result"] == "rendered" for r in rows),
            "failed": [r for r in rows if not r["ok"]]}


def demo_submission(work: Path) -> tuple[Path, dict[str, str], Path]:
    """An honest `bench baseline kmer-lr` result on the demo `DEMO_TASK` (cache built once)."""
    cache, store, home = work / "cache", work / "store", work / "home"
    home.mkdir(parents=True, exist_ok=True)
    prepare_demo(cache, store, home)
    env = bench_env(cache, store, home)
    res = work / "honest"
    if not list(res.glob("*.json")):
        proc = run_bench(["baseline", "kmer-lr", "--task", DEMO_TASK, "--source", "demo", "--seeds", "2", "--out", str(res)],
                         env, home)
        if proc.returncode:
            raise RuntimeError(f"baseline failed: {proc.stderr[-2000:]}")
    return next(res.glob("*.json")), env, cache


# --- timing -------------------------------------------------------------------------------------------
def timing(work: Path, out: Path | None = None, runs: int = 10) -> dict[str, Any]:
    """hyperfine (else a loop) of `bench --help`, `bench submit --help`, a submit refused by the cheap checks;
    an accepted submit with its phases (start-up + cheap checks vs loading the task + re-scoring)."""
    src, env, cache = demo_submission(work)
    inputs = make_inputs(work / "inputs")
    bench = [sys.executable, "-m", "phenoseq.cli"]
    commands = {"bench --help": [*bench, "--help"], "bench submit --help": [*bench, "submit", "--help"],
                "bench submit (refused by the cheap checks)": [*bench, "submit", str(inputs / "subs" / "badfp.json"),
                                                              "--store", str(work / "tstore")]}
    figures: dict[str, Any] = {}
    hyperfine = shutil.which("hyperfine")
    for name, cmd in commands.items():
        if hyperfine:
            export = work / "hf.json"
            subprocess.run([hyperfine, "--warmup", "2", "--runs", str(runs), "-i", "--export-json", str(export),
                            " ".join(map(_quote, cmd))], env=env, capture_output=True, check=True)
            r = json.loads(export.read_text())["results"][0]
            figures[name] = {"mean_s": round(r["mean"], 3), "sd_s": round(r["stddev"], 3), "min_s": round(r["min"], 3),
                             "runs": len(r["times"]), "tool": "hyperfine"}
        else:
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                subprocess.run(cmd, env=env, capture_output=True)
                times.append(time.perf_counter() - t0)
            figures[name] = {"mean_s": round(sum(times) / len(times), 3), "min_s": round(min(times), 3), "runs": runs,
                             "tool": "loop"}
    phases = []
    for _ in range(5):
        shutil.rmtree(work / "pstore", ignore_errors=True)
        proc = subprocess.run([sys.executable, str(THIS), "_phases", str(src), str(work / "pstore")], env=env,
                              capture_output=True, text=True, check=True)
        phases.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    figures["bench submit (accepted, demo herv_classification/binary)"] = {
        k: round(sorted(p[k] for p in phases)[len(phases) // 2], 3) for k in phases[0]} | {"runs": len(phases), "stat": "median"}
    imp = subprocess.run([sys.executable, "-X", "importtime", "-c", "import phenoseq.cli"], env=env, capture_output=True, text=True)
    total = int(imp.stderr.strip().splitlines()[-1].split("|")[1])
    heavy = subprocess.run([sys.executable, "-c", "import sys, phenoseq.cli; print(sorted(m for m in ('torch', 'transformers', "
                            "'datasets', 'pandas', 'matplotlib', 'sklearn', 'numpy', 'pyarrow') if m in sys.modules))"],
                           env=env, capture_output=True, text=True).stdout.strip()
    return record(out, {"figure": "timing", **figures, "import_phenoseq_cli_us": total, "heavy_modules_at_start": heavy})


def _quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _phases(src: str, store: str) -> None:
    """Child of `timing`: one accepted `bench submit`, timed per phase (printed as JSON)."""
    t0 = time.perf_counter()
    from phenoseq.cli import app  # noqa: F401 - the start-up being measured

    import leaderboard.validate as validate

    t_import = time.perf_counter()
    spent = {"rescore": 0.0}
    real = validate.rescore

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent["rescore"] += time.perf_counter() - t

    validate.rescore = timed
    from typer.testing import CliRunner

    r = CliRunner().invoke(app, ["submit", src, "--store", store])
    total = time.perf_counter() - t0
    assert r.exit_code == 0, r.output
    print(json.dumps({"total_s": total, "startup_s": t_import - t0, "rescore_s": spent["rescore"],
                      "excluding_rescore_s": total - spent["rescore"]}))


# --- entry points ---------------------------------------------------------------------------------------
def _child(hook: str, args: list[str]) -> None:
    """`bench ARGS` after installing kill hook `hook` ('-' for none)."""
    if hook != "-":
        HOOKS[hook]()
    sys.argv = ["bench", *args]
    from phenoseq.cli import main

    main()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_child":
        sep = argv.index("--")
        return _child(argv[1], argv[sep + 1:])
    if argv and argv[0] == "_phases":
        return _phases(argv[1], argv[2])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["all", "bad-inputs", "kill", "concurrent", "crafted", "timing"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/phenoseq-reliability"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reliability.jsonl")
    parser.add_argument("--genome-mb", type=float, default=200.0, help="Genome size of the external decompression kill.")
    parser.add_argument("--submits", type=int, default=100, help="Submits per worker (2 workers).")
    args = parser.parse_args(argv)
    parts = ["bad-inputs", "kill", "concurrent", "crafted", "timing"] if args.part == "all" else [args.part]
    shared = args.work / "shared"
    if "bad-inputs" in parts:
        bad_inputs(args.work / "bad", args.out)
    if "kill" in parts:
        kill_points(args.work / "kill", args.out, genome_mb=args.genome_mb, external=True)
    if "concurrent" in parts:
        src, env, _ = demo_submission(shared)
        record(args.out, concurrent_submits(src, args.work / "concurrent", per_worker=args.submits, env=env))
    if "crafted" in parts:
        src, env, _ = demo_submission(shared)
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            record(args.out, crafted_submissions(src, args.work / "crafted"))
        finally:
            os.environ.clear()
            os.environ.update(saved)
    if "timing" in parts:
        timing(shared, args.out)


if __name__ == "__main__":
    main()
