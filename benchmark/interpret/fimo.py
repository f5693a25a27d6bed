"""FIMO (MEME suite 5.4), computed the way FIMO computes it, in numpy.

For each motif (MEME suite `fimo.c`, `pssm.c`, `motif-in.c`, `qvalue.c`):

1. background: NRDB letter frequencies (FIMO's default), uniform, the motif file's, the
   scanned sequences' letter frequencies, or a MEME background file; averaged with its
   reverse complement when both strands are scanned; `(f + 5e-7) / (1 + 4 * 5e-7)`
   ("file" = what `fasta-get-markov -m 0` writes for the scanned FASTA, then `--bfile`);
2. pseudocount: `p' = (p * n + pseudocount * bg) / (n + pseudocount)`, n = the motif's site
   count as an integer (20 when unknown); default pseudocount 0.1;
3. log-odds in bits, `log2(p' / bg)`, scaled to integers: offset = floor(min), scale =
   floor(1000 / (max - offset)), entry = round((x - offset) * scale);
4. p-values: the exact distribution of the integer window score under the 0-order
   background (dynamic programming over the w columns), P(S >= s);
5. score = S / scale + w * offset (what FIMO prints), p = P(S >= S_window);
6. windows holding a letter other than ACGT are not scored (nor counted as tests);
7. q-values per motif: pi0 x p x tests / rank, then the running minimum (tests = windows
   scored, both strands), with Storey's pi0 as FIMO estimates it - except that FIMO uses a
   random sample of 10,000 window p-values and 100 random bootstraps, and this uses every
   window and the bootstraps' expected error, so it gives the same q-values on every run
   (they differ from FIMO's by FIMO's own run-to-run noise, ~1-3 %).

Hits are windows with p <= threshold (FIMO's `--thresh`, default 1e-4).
"""
from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmark.interpret.pwm import PSEUDOCOUNT, Motif, motif_frequencies
from loaders.core.dna import reverse_complement

NRDB_DNA = np.array([0.281774, 0.222020, 0.228876, 0.267330])
"""FIMO's default DNA background (`--bfile --nrdb--`; MEME suite `get_nrdb_frequencies`)."""
PSSM_RANGE = 1000
BG_EPSILON = 5e-7
LOG2_E = 1.44269504  # MEME's my_log2 multiplies ln(x) by this constant
P_THRESHOLD = 1e-4
FIMO_COLUMNS = ["motif_id", "motif_alt_id", "sequence_name", "start", "stop", "strand", "score", "p-value",
                "q-value", "matched_sequence"]
BACKGROUNDS = ("nrdb", "uniform", "motif", "file")
"""Named backgrounds; anything else is a MEME background file path."""

_CODE = np.full(256, 4, dtype=np.int8)
for _i, _b in enumerate("ACGT"):
    _CODE[ord(_b)] = _i
    _CODE[ord(_b.lower())] = _i


def encode(seq: str) -> np.ndarray:
    """Letter codes (A=0, C=1, G=2, T=3, anything else 4), case-insensitive."""
    return _CODE[np.frombuffer(seq.encode("ascii", "replace"), dtype=np.uint8)]


# --- background ------------------------------------------------------------------------------
def letter_frequencies(sequences: Iterable[str], both_strands: bool = True, pseudo: float = 0.1) -> np.ndarray:
    """0-order background of `sequences` as MEME's `fasta-get-markov -m 0` writes it: (count + pseudo / 4) /
    (total + pseudo), both strands pooled unless `both_strands` is False, rounded to 4 significant digits."""
    counts = np.zeros(4)
    for s in sequences:
        counts += np.bincount(encode(s), minlength=5)[:4]
    if counts.sum() == 0:
        raise ValueError("the sequences hold no A, C, G or T to take a background from")
    if both_strands:
        counts = counts + counts[::-1]
    freqs = (counts + pseudo / 4) / (counts.sum() + pseudo)
    return np.array([float(f"{f:.3e}") for f in freqs])


def resolve_background(spec: str | os.PathLike | np.ndarray | None = "nrdb", *, motif_background: np.ndarray | None = None,
                       sequences: Iterable[str] | None = None, both_strands: bool = True) -> np.ndarray:
    """The background FIMO scores against (see module docstring, step 1).

    `spec`: "nrdb" (FIMO's default), "uniform", "motif" (the motif file's; uniform if it has
    none, as FIMO), "file" (`fasta-get-markov -m 0` of `sequences`), a MEME background file, or 4 numbers.
    """
    if spec is None:
        spec = "nrdb"
    if isinstance(spec, np.ndarray | list | tuple):
        bg = np.asarray(spec, dtype=np.float64)
    elif str(spec) == "nrdb":
        bg = NRDB_DNA.copy()
    elif str(spec) == "uniform":
        bg = np.full(4, 0.25)
    elif str(spec) == "motif":
        bg = np.full(4, 0.25) if motif_background is None else np.asarray(motif_background, dtype=np.float64)
    elif str(spec) == "file":
        if sequences is None:
            raise ValueError("background 'file' needs the scanned sequences")
        bg = letter_frequencies(sequences, both_strands=both_strands)
    else:
        raise ValueError(f"unknown background '{spec}' (named: {', '.join(BACKGROUNDS)}; read a MEME background "
                         "file with motif_files.read_background and pass its frequencies)")
    if bg.shape != (4,) or np.any(bg < 0) or bg.sum() <= 0:
        raise ValueError(f"background must be 4 non-negative frequencies (A, C, G, T), got {bg.tolist()}")
    bg = bg / bg.sum()
    if both_strands:
        at, cg = (bg[0] + bg[3]) / 2.0, (bg[1] + bg[2]) / 2.0
        bg = np.array([at, cg, cg, at])
    bg = (bg + BG_EPSILON) / (bg.sum() + 4 * BG_EPSILON)
    return bg / bg.sum()


# --- PSSM and score distribution --------------------------------------------------------------
@dataclass(frozen=True)
class Pssm:
    """A motif's integer-scaled log-odds matrix (w, 4) and its p-value table."""

    matrix: np.ndarray
    scale: float
    offset: float
    pv: np.ndarray  # pv[s] = P(S >= s) for s in 0 .. w * PSSM_RANGE

    @property
    def width(self) -> int:
        return int(self.matrix.shape[0])

    def raw_score(self, scaled: np.ndarray | int) -> np.ndarray:
        """FIMO's reported score of an integer window score."""
        return np.asarray(scaled, dtype=np.float64) / self.scale + self.width * self.offset


def _log2(x: np.ndarray) -> np.ndarray:
    """MEME's my_log2: ln(x) * 1.44269504; log of 0 is 0 (it returns SMALL_POS)."""
    with np.errstate(divide="ignore"):
        out = np.log(x) * LOG2_E
    return np.where(x > 0, out, 1e-300)


def _nint(x: np.ndarray) -> np.ndarray:
    """C's nint: round half away from zero."""
    return np.where(x >= 0, np.floor(x + 0.5), np.ceil(x - 0.5)).astype(np.int64)


def pvalue_table(matrix: np.ndarray, background: np.ndarray) -> np.ndarray:
    """P(S >= s) for every integer score s of a (w, 4) non-negative integer PSSM (step 4)."""
    w = matrix.shape[0]
    pdf = np.zeros(w * PSSM_RANGE + 1)
    pdf[0] = 1.0
    top = 0
    for i in range(w):
        new = np.zeros_like(pdf)
        old = pdf[: top + 1]
        for j in range(4):
            s = int(matrix[i, j])
            new[s : s + top + 1] += old * background[j]
        top += int(matrix[i].max())
        pdf = new
    pv = np.minimum(np.cumsum(pdf[::-1])[::-1], 1.0)
    return pv


def build_pssm(freqs: np.ndarray, background: np.ndarray) -> Pssm:
    """Integer-scaled log-odds PSSM with its p-value table (steps 3-4) from (w, 4) frequencies."""
    lo = _log2(freqs / background[None, :])
    small, large = float(lo.min()), float(lo.max())
    if large == small:
        small = large - 1
    offset = math.floor(small)
    scale = math.floor(PSSM_RANGE / (large - offset))
    matrix = _nint((lo - offset) * scale)
    return Pssm(matrix, float(scale), float(offset), pvalue_table(matrix, background))


# --- q-values ---------------------------------------------------------------------------------
def storey_pi0(pvalues: np.ndarray, weights: np.ndarray | None = None, n_lambda: int = 100, max_lambda: float = 0.5,
               boot_size: int = 1000) -> float:
    """FIMO's pi0 estimate (qvalue.c `estimate_pi_zero`; 1.0 from 100 or fewer p-values).

    pi0(lambda) = #(p >= lambda) / ((1 - lambda) m) on lambda = 0.005 .. 0.5; FIMO picks the lambda
    whose pi0 on bootstrap samples of 1,000 p-values lies closest (mean squared error, 100 random
    samples) to the smallest pi0(lambda). Here that error is its expectation, exactly:
    Var + bias^2 of a binomial proportion, so the estimate is deterministic. `weights`: how many
    times each p-value occurs (default once)."""
    p = np.asarray(pvalues, dtype=np.float64)
    weights = np.ones(len(p)) if weights is None else np.asarray(weights, dtype=np.float64)
    m = float(weights.sum())
    if m <= 100:
        return 1.0
    lambdas = (np.arange(n_lambda) + 1) / n_lambda * max_lambda
    below = np.searchsorted(lambdas, p, side="right")  # p >= lambda_k  <=>  below > k
    n_ge = np.bincount(below, weights=weights, minlength=n_lambda + 1)[::-1].cumsum()[::-1][1:]
    frac = n_ge / m
    with np.errstate(divide="ignore"):
        est = np.where(frac > 0, frac / (1.0 - lambdas), np.inf)
        mse = frac * (1 - frac) / (boot_size * (1.0 - lambdas) ** 2) + (est - est.min()) ** 2
    mse = np.where(frac > 0, mse, np.inf)
    return float(min(max(est[int(np.argmin(mse))], 0.0), 1.0))


def fimo_qvalues(hit_p: np.ndarray, n_tests: int, pi0: float) -> np.ndarray:
    """q-values of the hits' p-values (FIMO: pi0 * p * tests / rank, then running minimum upward)."""
    hit_p = np.asarray(hit_p, dtype=np.float64)
    if len(hit_p) == 0:
        return hit_p
    order = np.argsort(hit_p, kind="mergesort")
    ranked = np.minimum(1.0, pi0 * hit_p[order] * float(np.float32(n_tests)) / np.arange(1, len(hit_p) + 1))
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(q)
    out[order] = q
    return out


# --- scanning ---------------------------------------------------------------------------------
@dataclass
class _Concat:
    """All sequences joined by a separator (code 4), with 1-, 2- and 3-letter codes for table look-ups."""

    codes: np.ndarray
    starts: np.ndarray
    names: list[str]
    seqs: list[str]

    def __post_init__(self) -> None:
        c = self.codes.astype(np.intp)
        self.kmers = {1: c, 2: c[:-1] * 5 + c[1:], 3: c[:-2] * 25 + c[1:-1] * 5 + c[2:]}
        self._valid: dict[int, np.ndarray] = {}

    def valid_starts(self, w: int) -> np.ndarray:
        """Start positions of the windows of width w holding only A, C, G, T."""
        if w not in self._valid:
            bad = np.concatenate([[0], np.cumsum(self.codes == 4)])
            self._valid[w] = np.flatnonzero(bad[w:] - bad[:-w] == 0)
        return self._valid[w]


def _concat(records: Sequence[tuple[str, str]]) -> _Concat:
    parts, starts, pos = [], [], 0
    for _, s in records:
        starts.append(pos)
        parts.append(encode(s))
        parts.append(np.array([4], dtype=np.int8))
        pos += len(s) + 1
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int8)
    return _Concat(codes, np.array(starts, dtype=np.int64), [n for n, _ in records], [s for _, s in records])


def _window_scores(fwd: np.ndarray, rev: np.ndarray | None, data: _Concat) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer scores of every window start (both PSSMs at once: rev packed in the high 32 bits;
    3-letter look-up tables, so w/3 passes over the sequence)."""
    w = fwd.shape[0]
    n = len(data.codes) - w + 1
    packed = np.concatenate([fwd, np.zeros((w, 1), dtype=np.int64)], axis=1).astype(np.int64)
    if rev is not None:
        packed += np.concatenate([rev, np.zeros((w, 1), dtype=np.int64)], axis=1).astype(np.int64) << 32
    total = np.zeros(n, dtype=np.int64)
    j = 0
    while j < w:
        k = min(3, w - j)
        table = packed[j]
        for i in range(1, k):
            table = (table[:, None] + packed[j + i][None, :]).ravel()
        total += table[data.kmers[k][j : j + n]]
        j += k
    if rev is None:
        return total, None
    return total & 0xFFFFFFFF, total >> 32


def scan_fimo(motifs: Sequence[Motif], records: Sequence[tuple[str, str]] | Mapping[str, str], *,
              background: str | os.PathLike | np.ndarray | None = "nrdb", motif_background: np.ndarray | None = None,
              pseudocount: float = PSEUDOCOUNT, threshold: float = P_THRESHOLD, both_strands: bool = True,
              qvalues: bool = True) -> pd.DataFrame:
    """FIMO hits of `motifs` in `records` ((name, sequence) pairs): columns `FIMO_COLUMNS`
    (1-based inclusive start/stop), sorted by p-value, then motif, sequence, start, strand."""
    records = list(records.items()) if isinstance(records, Mapping) else list(records)
    bg = resolve_background(background, motif_background=motif_background, sequences=(s for _, s in records),
                            both_strands=both_strands)
    symmetric = bool(bg[0] == bg[3] and bg[1] == bg[2])
    data = _concat(records)
    frames = []
    for mi, motif in enumerate(motifs):
        pssm = build_pssm(motif_frequencies(motif, bg, pseudocount), bg)
        w = pssm.width
        if len(data.codes) - w + 1 <= 0:
            continue
        starts = data.valid_starts(w)
        rev = None
        if both_strands:
            rev_matrix = pssm.matrix[::-1, ::-1].copy()
            rev = Pssm(rev_matrix, pssm.scale, pssm.offset, pssm.pv if symmetric else pvalue_table(rev_matrix, bg))
        s_fwd, s_rev = _window_scores(pssm.matrix, None if rev is None else rev.matrix, data)
        score_counts, hits = [], []
        for strand, pm, s in (("+", pssm, s_fwd), ("-", rev, s_rev)):
            if pm is None:
                continue
            sv = s[starts]
            score_counts.append((pm.pv, np.bincount(sv, minlength=len(pm.pv))))
            passing = np.flatnonzero(pm.pv <= threshold)  # p-values fall as scores rise
            keep = np.flatnonzero(sv >= (passing[0] if len(passing) else len(pm.pv)))
            if len(keep):
                hits.append((strand, starts[keep], pm.raw_score(sv[keep]), pm.pv[sv[keep]]))
        if not hits:
            continue
        n_tests = int(sum(c.sum() for _, c in score_counts))
        strand_col = np.concatenate([np.full(len(k), st, dtype=object) for st, k, _, _ in hits])
        pos = np.concatenate([k for _, k, _, _ in hits])
        score = np.concatenate([sc for _, _, sc, _ in hits])
        pval = np.concatenate([p for _, _, _, p in hits])
        if qvalues:
            pi0 = storey_pi0(np.concatenate([pv for pv, _ in score_counts]), np.concatenate([c for _, c in score_counts]))
            qval = fimo_qvalues(pval, n_tests, pi0)
        else:
            qval = np.full(len(pval), np.nan)
        seq_idx = np.searchsorted(data.starts, pos, side="right") - 1
        frames.append((mi, strand_col, seq_idx, pos - data.starts[seq_idx], score, pval, qval))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(FIMO_COLUMNS, [str, str, str, int, int, str, float, float,
                                                                                   float, str])})
    mi = np.concatenate([np.full(len(f[1]), f[0]) for f in frames])
    strand = np.concatenate([f[1] for f in frames])
    seq_idx = np.concatenate([f[2] for f in frames])
    offset = np.concatenate([f[3] for f in frames])
    widths = np.array([m.width for m in motifs])[mi]
    matched = [data.seqs[i][o : o + w] for i, o, w in zip(seq_idx.tolist(), offset.tolist(), widths.tolist())]
    hits = pd.DataFrame({
        "motif_id": np.array([m.id for m in motifs], dtype=object)[mi],
        "motif_alt_id": np.array([m.name for m in motifs], dtype=object)[mi],
        "sequence_name": np.array(data.names, dtype=object)[seq_idx],
        "start": offset + 1, "stop": offset + widths, "strand": strand,
        "score": np.concatenate([f[4] for f in frames]), "p-value": np.concatenate([f[5] for f in frames]),
        "q-value": np.concatenate([f[6] for f in frames]),
        "matched_sequence": [m if st == "+" else reverse_complement(m) for m, st in zip(matched, strand.tolist())],
        "_motif": mi, "_seq": seq_idx,
    })
    hits = hits.sort_values(["p-value", "_motif", "_seq", "start", "strand"], kind="mergesort")
    return hits[FIMO_COLUMNS].reset_index(drop=True)


def _g(x: float, digits: int) -> str:
    """C printf %.<digits>g."""
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}g}"


def to_tsv(hits: pd.DataFrame) -> str:
    """FIMO's fimo.tsv body: header, one line per hit (score %g, p-value and q-value %.3g; a hit
    without a q-value (NaN; FIMO --no-qvalue) gets 0 in that column, as FIMO writes it)."""
    lines = ["\t".join(FIMO_COLUMNS)]
    for r in hits.itertuples(index=False):
        lines.append("\t".join([
            str(r.motif_id), str(r.motif_alt_id), str(r.sequence_name), str(int(r.start)), str(int(r.stop)), r.strand,
            _g(float(r.score), 6), _g(float(r[7]), 3), _g(float(r[8]), 3) if np.isfinite(r[8]) else "0", str(r.matched_sequence),
        ]))
    return "\n".join(lines) + "\n"
