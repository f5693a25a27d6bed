"""Exact containment-aware grouping of DNA sequences: sequences in, group ids out.

The criterion (`identity` = id, `coverage` = cov; 0.95 and 0.8 by default)
--------------------------------------------------------------------------
Two sequences x and y are *linked* when an alignment of x with y, or with y's reverse
complement, spans >= cov of x's length **or** >= cov of y's length (so a short copy of part of
a longer sequence is linked to it), at >= id identity (identical columns / all columns, gap
columns included, N never identical). Groups are the connected components of the links.

Which alignment: the best local alignment (match +2, mismatch -3, gap -5 per column) inside
the diagonal band the seeds below allow, then its longest stretch at >= id identity
(a high-identity core is not lost because the alignment ran on into a diverged flank).
`pair_link` is that decision for one pair.

Why it is exact (no linked pair can end up in two groups)
---------------------------------------------------------
Every pair is considered; the filters that skip most of them only drop pairs that provably
cannot be linked:

1. An alignment at >= id identity over a span of l positions has at most
   e(l) = floor(l (1-id)/id) edits, so its identical positions (>= l - e) fall into at most e+1
   exact runs shared by x and y. Canonical (both-strand) minimizers with k + w - 1 <= the
   shortest run that pigeonhole allows are therefore shared in >= B1(l) positions
   (`bounds`); the index counts shared minimizers per pair and drops pairs below the bound.
2. Before counting all of them, y's q-mers starting at multiples of q (`sampled_bounds`): a
   stretch spanning sy positions of y holds >= floor((sy+1)/q) - 1 of them and each edit
   spoils at most one (an edit touches q consecutive starts, one a multiple of q), so >= that
   minus e stay intact and occur in x (sy >= l when y is covered, >= l - e when x is).
   The same runs share >= l - e - (e+1)(q-1) q-mers (the q-gram lemma): a second count with
   all q-mers of the pair drops the rest of the hopeless pairs. A linking alignment drifts
   over <= e diagonals, so those q-mers also fall into one window of e+1 diagonals: only the
   diagonal regions holding such a window are aligned, in a band of +-e diagonals around them.
3. Before the alignment itself, a score-only bound (`_lag_pass`): a linking stretch with M
   identical columns, X other columns and spans sx, sy has F(M - B X) >= 0 (B = floor(id/(1-id)))
   and sx + sy >= (1+id) ceil(cov L), so it scores >= m (1+id) ceil(cov L) under the column
   scores match F+2m, mismatch -FB+2m, gap -FB+m. A region whose best local score under them
   is lower cannot hold a linking stretch. This one pass (no traceback) rejects the pairs
   5-10 % apart that the seed counts cannot, for a fraction of the alignment's cost.
Pairs already in one group are never re-examined (union-find), which keeps families of
near-identical copies linear instead of quadratic. Pairs within a family that are *not* linked
(copies 5-15 % apart sharing seeds) are each examined once: beyond the O(n log n) index and scans,
the work grows with the number of such near pairs, i.e. as n when families grow in number and as
n^2 when they grow in size (docs/scale.md, measured both ways).

Parallel and deterministic
--------------------------
The search runs in chunks of query sequences on `threads` worker threads (numba `nogil`
kernels); each chunk reads the union-find as it stands (a snapshot that can only be coarser
later) and reports its links, which the calling thread unions in. A stale snapshot only costs
work (a pair examined that was already joined); skipping needs both ends in one group, which
stays true. So the groups are the connected components of the links whatever the thread count
or timing; the counters (pairs examined) are not.

Nothing here depends on a heuristic cap (MMseqs2's `--max-seqs`, linclust's greedy centres).
The numba kernels are compiled once and cached under `$NUMBA_CACHE_DIR`, by default
`<PHENOSEQ_CACHE>/numba` (see `loaders.core.paths.cache_dir`).
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass


def _default_numba_cache() -> None:
    """Compiled kernels go to `$NUMBA_CACHE_DIR`, else `<PHENOSEQ_CACHE>/numba` (not the package dir, often read-only)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    from loaders.core.paths import cache_dir

    path = str(cache_dir() / "numba")
    os.environ["NUMBA_CACHE_DIR"] = path
    import numba

    numba.config.CACHE_DIR = path  # numba may have been imported (and read its config) before us


_default_numba_cache()

import numba as nb  # noqa: E402
import numpy as np  # noqa: E402

MATCH, MISMATCH, GAP = 2, -3, -5
"""Local-alignment scores (per column; linear gaps)."""
LAG_F, LAG_M = 2, 1
"""Weights of the score-only bound (module docstring, 3.): identity term F, span term m."""
_LUT = np.full(256, 4, dtype=np.uint8)
for _i, _c in enumerate(b"ACGT"):
    _LUT[_c] = _i
    _LUT[ord(chr(_c).lower())] = _i
_U64 = np.uint64(0xFFFFFFFFFFFFFFFF)
LINKS_CAP = 1 << 14
"""Links a worker reports per call before it hands them over (it resumes after they are unioned)."""
_NCTR = 10
_COUNTERS = ("postings_scanned", "pairs_qgram_checked", "links", "bound_checks", "bound_cells", "pairs_qgram_passed",
             "alignments", "alignment_cells", "pairs_sampled_passed")


@dataclass(frozen=True)
class Plan:
    """Seed parameters and per-length filter bounds for one (identity, coverage, lengths) input."""

    k: int
    w: int
    q: int
    b1: np.ndarray
    b2: np.ndarray
    run: int
    bs: np.ndarray
    """Sampled q-mer bounds per length (`sampled_bounds`): row 0 when x is covered, row 1 when y is."""
    lag: np.ndarray
    """Score-only bound per length: m * floor((1 + id) * ceil(cov L)), and the column scores (`lag_scores`)."""


def max_edits(span: np.ndarray | int, identity: float):
    """Most edits an alignment at >= `identity` spanning `span` positions of a sequence can have."""
    return np.floor(np.asarray(span, dtype=np.float64) * (1 - identity) / identity + 1e-9).astype(np.int64)


def bounds(max_len: int, identity: float, coverage: float, k: int, w: int, q: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sequence length L: (B1, B2, R) lower bounds valid for any linking alignment that covers it.

    R: the longest exact run such an alignment must contain; B1: shared (k, w)-minimizer
    positions; B2: shared q-mer positions. Each is minimised over spans l in [ceil(cov L), L].
    """
    ell = np.arange(max_len + 1, dtype=np.int64)
    e = max_edits(ell, identity)
    run = -((-(ell - e)) // (e + 1))
    b1 = np.maximum(0, -((-(ell - e - (e + 1) * (k + w - 2))) // w))
    b1 = np.where(run >= k + w - 1, np.maximum(b1, 1), b1)
    b2 = np.maximum(0, ell - e - (e + 1) * (q - 1))
    b2 = np.where(run >= q, np.maximum(b2, 1), b2)
    lo = np.ceil(np.arange(max_len + 1) * coverage - 1e-9).astype(np.int64)
    return _range_min(b1, lo), _range_min(b2, lo), _range_min(run, lo)


def sampled_bounds(max_len: int, identity: float, coverage: float, q: int) -> np.ndarray:
    """Least number of y's q-mers starting at multiples of q that a linking alignment keeps intact, per length.

    A stretch spanning sy positions of y holds >= floor((sy + 1)/q) - 1 such starts, and each of its
    <= e edits spoils <= 1 of them (it touches <= q consecutive starts). Row 1: y covered (sy = the
    span l >= ceil(cov L), e = e(l)); row 0: x covered over l, so sy >= l - e(l).
    """
    ell = np.arange(max_len + 1, dtype=np.int64)
    e = max_edits(ell, identity)
    lo = np.ceil(np.arange(max_len + 1) * coverage - 1e-9).astype(np.int64)
    y_cov = (ell + 1) // q - 1 - e
    x_cov = (ell - e + 1) // q - 1 - e
    return np.stack([_range_min(x_cov, lo), _range_min(y_cov, lo)])


def lag_scores(identity: float) -> tuple[int, int, int]:
    """(match, mismatch, gap) column scores of the score-only bound: F+2m, -FB+2m, -FB+m with B = floor(id/(1-id))."""
    b = math.floor(identity / (1 - identity) + 1e-9)
    return LAG_F + 2 * LAG_M, -LAG_F * b + 2 * LAG_M, -LAG_F * b + LAG_M


def lag_targets(max_len: int, identity: float, coverage: float) -> np.ndarray:
    """Per length L: the least score a linking stretch covering >= cov of L positions has (module docstring, 3.)."""
    need = np.ceil(np.arange(max_len + 1) * coverage - 1e-9)
    return LAG_M * np.floor((1 + identity) * need + 1e-9).astype(np.int64)


@nb.njit(cache=True)
def _range_min(v, lo):
    out = np.zeros(len(v), dtype=np.int64)
    for length in range(len(v)):
        m = v[length]
        for ell in range(max(lo[length], 1), length + 1):
            if v[ell] < m:
                m = v[ell]
        out[length] = m
    return out


def make_plan(lengths: np.ndarray, identity: float, coverage: float, total: int) -> Plan:
    """Choose k, w, q so the pigeonhole guarantee holds for the shortest sequence."""
    if not (0.5 < identity < 1) or not (0 < coverage <= 1):
        raise ValueError(f"identity must be in (0.5, 1) and coverage in (0, 1]; got {identity}, {coverage}")
    max_len = int(lengths.max())
    min_len = int(lengths.min())
    _, _, run = bounds(max_len, identity, coverage, 1, 1, 1)
    r = int(run[min_len:].min())
    k = min(13 if total > 2_000_000 else 11, r)
    if k % 2 == 0 and k > 1:  # odd k: no k-mer is its own reverse complement, so a seed's strand is never ambiguous
        k -= 1
    w = max(1, r - k + 1)
    q = max(1, min(8, r, math.ceil(identity / (1 - identity)) - 2))
    b1, b2, run = bounds(max_len, identity, coverage, k, w, q)
    return Plan(k=k, w=w, q=q, b1=b1, b2=b2, run=r, bs=sampled_bounds(max_len, identity, coverage, q),
                lag=np.concatenate([lag_targets(max_len, identity, coverage), lag_scores(identity)]))


def encode(sequences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(codes, offsets): A,C,G,T -> 0..3, anything else 4 (N), all sequences concatenated."""
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    offs = np.zeros(len(sequences) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offs[1:])
    codes = np.empty(int(offs[-1]), dtype=np.uint8)
    step = 4096
    for a in range(0, len(sequences), step):
        chunk = "".join(sequences[a:a + step]).encode("ascii", "replace")
        codes[offs[a]:offs[a] + len(chunk)] = _LUT[np.frombuffer(chunk, dtype=np.uint8)]
    return codes, offs


# ---------------------------------------------------------------- seeds

@nb.njit(cache=True, nogil=True)
def _minimizers(codes, start, length, k, w, hbuf, vbuf, obuf, out_v, out_o, out_p):
    """Canonical (k, w) minimizers of one sequence; returns how many (distinct positions, in order)."""
    nk = length - k + 1
    if nk < w or nk <= 0:
        return 0
    mask = np.uint64((1 << (2 * k)) - 1)
    shift = np.uint64(2 * (k - 1))
    fwd = np.uint64(0)
    rev = np.uint64(0)
    valid = 0
    for i in range(length):
        b = codes[start + i]
        if b > 3:
            valid = 0
            fwd = np.uint64(0)
            rev = np.uint64(0)
        else:
            fwd = ((fwd << np.uint64(2)) | np.uint64(b)) & mask
            rev = (rev >> np.uint64(2)) | (np.uint64(3 - b) << shift)
            valid += 1
        p = i - k + 1
        if p >= 0:
            if valid >= k:
                c = fwd if fwd < rev else rev
                vbuf[p] = c
                obuf[p] = 0 if fwd < rev else 1
                c = (c ^ (c >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
                hbuf[p] = c ^ (c >> np.uint64(33))
            else:
                hbuf[p] = _U64
    n = 0
    last = -1
    for j in range(nk - w + 1):
        best = j
        for t in range(j + 1, j + w):
            if hbuf[t] < hbuf[best]:
                best = t
        if hbuf[best] == _U64 or best == last:
            continue
        out_v[n] = vbuf[best]
        out_o[n] = obuf[best]
        out_p[n] = best
        n += 1
        last = best
    return n


@nb.njit(cache=True, nogil=True)
def _index_pass(codes, offs, k, w, head, post):
    """One pass of the CSR build: count into head[v + 1] (post empty), or fill post from head[v] = start(v).

    Postings are sequence*2 + strand, ascending; after the fill head[v] is start(v) again.
    """
    n = len(offs) - 1
    maxlen = 1
    for s in range(n):
        maxlen = max(maxlen, offs[s + 1] - offs[s])
    hb = np.empty(maxlen, np.uint64)
    vb = np.empty(maxlen, np.uint64)
    ob = np.empty(maxlen, np.uint8)
    ov = np.empty(maxlen, np.uint64)
    oo = np.empty(maxlen, np.uint8)
    op = np.empty(maxlen, np.int64)
    keys = np.empty(maxlen, np.uint64)
    fill = len(post) > 0
    for s in range(n):
        m = _minimizers(codes, offs[s], offs[s + 1] - offs[s], k, w, hb, vb, ob, ov, oo, op)
        for t in range(m):
            keys[t] = ov[t] * np.uint64(2) + np.uint64(oo[t])
        ks = np.sort(keys[:m])
        for t in range(m):
            if t == 0 or ks[t] != ks[t - 1]:
                v = ks[t] >> np.uint64(1)
                if fill:
                    post[head[v]] = s * 2 + np.int64(ks[t] & np.uint64(1))
                    head[v] += 1
                else:
                    head[v + np.uint64(1)] += 1
    if fill:  # head[v] went from start(v) to start(v + 1): shift it back
        for v in range(len(head) - 1, 0, -1):
            head[v] = head[v - 1]
        head[0] = 0
    return maxlen


def build_index(codes: np.ndarray, offs: np.ndarray, k: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR minimizer index: postings of value v are post[head[v]:head[v+1]] (sequence*2 + strand, ascending)."""
    nvals = 1 << (2 * k)
    head = np.zeros(nvals + 1, np.int32)  # counts first; int64 only when the postings need it
    _index_pass(codes, offs, k, w, head, np.empty(0, np.int32))
    total = int(head.sum(dtype=np.int64))
    if total >= 2**31 - 1:
        head = head.astype(np.int64)
    np.cumsum(head, out=head)
    post = np.empty(total, np.int32)
    _index_pass(codes, offs, k, w, head, post)
    return head, post


# ---------------------------------------------------------------- union-find

@nb.njit(cache=True, nogil=True)
def _root(parent, a):
    """Root of a, without writing (safe to call while another thread unions)."""
    while parent[a] != a:
        a = parent[a]
    return a


@nb.njit(cache=True, nogil=True)
def _union(parent, size, a, b):
    """Union by size with path halving (one writer at a time)."""
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    while parent[b] != b:
        parent[b] = parent[parent[b]]
        b = parent[b]
    if a == b:
        return
    if size[a] < size[b]:
        a, b = b, a
    parent[b] = a
    size[a] += size[b]


@nb.njit(cache=True, nogil=True)
def _apply_links(parent, size, links, nl):
    for t in range(nl):
        _union(parent, size, links[t, 0], links[t, 1])


@nb.njit(cache=True)
def _labels(parent):
    """Group label per element: the smallest member index of its component."""
    n = len(parent)
    low = np.full(n, n, np.int64)
    out = np.empty(n, np.int64)
    for s in range(n):
        r = _root(parent, s)
        out[s] = r
        if s < low[r]:
            low[r] = s
    for s in range(n):
        out[s] = low[out[s]]
    return out


# ---------------------------------------------------------------- alignment

@nb.njit(cache=True, nogil=True)
def _best_span(cols, ncol, identity, want_x):
    """Longest x-span (or y-span) of a stretch of the alignment columns at >= identity.

    cols: 0 match, 1 mismatch, 2 x-only (gap in y), 3 y-only (gap in x).
    """
    pre = np.empty(ncol + 1, np.float64)
    span = np.empty(ncol + 1, np.int64)
    pre[0] = 0.0
    span[0] = 0
    for c in range(ncol):
        pre[c + 1] = pre[c] + ((1.0 - identity) if cols[c] == 0 else -identity)
        uses = cols[c] != 3 if want_x else cols[c] != 2
        span[c + 1] = span[c] + (1 if uses else 0)
    # candidate starts: strict prefix minima (decreasing); for each end the earliest start with pre <= pre[end]
    cand = np.empty(ncol + 1, np.int64)
    nc = 0
    for c in range(ncol + 1):
        if nc == 0 or pre[c] < pre[cand[nc - 1]] - 1e-12:
            cand[nc] = c
            nc += 1
    best = 0
    for end in range(ncol, 0, -1):
        lo, hi = 0, nc - 1
        target = pre[end] + 1e-9
        if pre[cand[hi]] > target:
            continue
        while lo < hi:
            mid = (lo + hi) // 2
            if pre[cand[mid]] <= target:
                hi = mid
            else:
                lo = mid + 1
        st = cand[lo]
        if st < end and span[end] - span[st] > best:
            best = span[end] - span[st]
    return best


@nb.njit(cache=True, nogil=True)
def _lag_pass(xr, lx, y5, ly, dlo, dhi, sm, sx, sg, target, A0, A1, A2):
    """Does some local alignment in the band (diagonals j - i in [dlo, dhi]) score >= target? Score only.

    xr: x reversed (N coded 4); y5: y with N coded 5, so N never matches. Anti-diagonal order
    (the cells of one anti-diagonal do not depend on each other, so the inner loop vectorizes).
    Exact, with two early exits: an anti-diagonal reaching the target (yes), and one whose best
    plus sm per row of x still ahead stays below it (no: no later cell can get there).
    A0, A1, A2: int32 scratch of >= (dhi - dlo) // 2 + 3 entries.
    """
    dlo = max(dlo, -(lx - 1))
    dhi = min(dhi, ly - 1)
    if dlo > dhi or target <= 0:
        return target <= 0, 0
    for t in range((dhi - dlo) // 2 + 3):
        A0[t] = 0
        A1[t] = 0
        A2[t] = 0
    # cell (i, j) of anti-diagonal a = i + j, diagonal d = j - i (parity of a) sits at index (d - dlo) // 2 + 1;
    # every entry outside an anti-diagonal's cells is 0 (the band edges and the local-alignment floor)
    r0lo, r0hi, r1lo, r1hi, r2lo, r2hi = 1, 0, 1, 0, 1, 0
    mx_prev = 0
    cells = 0
    sm32, sx32, sg32 = np.int32(sm), np.int32(sx), np.int32(sg)
    one = np.uint64(1)
    for a in range(lx + ly - 1):
        A0, A1, A2 = A2, A0, A1  # A0 <- a (held a-3), A1 = a-1, A2 = a-2
        r0lo, r0hi, r1lo, r1hi, r2lo, r2hi = r2lo, r2hi, r0lo, r0hi, r1lo, r1hi
        dmin = max(dlo, a - 2 * (lx - 1), -a)
        dmax = min(dhi, 2 * (ly - 1) - a, a)
        if (dmin - a) & 1:
            dmin += 1
        if (dmax - a) & 1:
            dmax -= 1
        clo = ((dmin - dlo) >> 1) + 1
        chi = ((dmax - dlo) >> 1) + 1
        for t in range(r0lo, min(r0hi, clo - 1) + 1):
            A0[t] = 0
        for t in range(max(r0lo, chi + 1), r0hi + 1):
            A0[t] = 0
        mx = 0
        if dmin <= dmax:
            i0 = (a - dmin) >> 1
            j0 = (a + dmin) >> 1
            # left neighbour (i, j-1) and up neighbour (i-1, j) are on a-1 at d-1 and d+1
            c0 = np.uint64(clo)
            ol = np.uint64(clo + ((a - dlo) & 1) - 1)
            ox = np.uint64(lx - 1 - i0)
            oy = np.uint64(j0)
            for tt in range(chi - clo + 1):
                t = np.uint64(tt)
                sc = A2[c0 + t] + (sm32 if xr[ox + t] == y5[oy + t] else sx32)
                g = max(A1[ol + t], A1[ol + t + one]) + sg32
                h = max(max(sc, g), 0)
                A0[c0 + t] = h
                mx = max(mx, h)
            cells += chi - clo + 1
            r0lo, r0hi = clo, chi
        else:
            r0lo, r0hi = 1, 0
        if mx >= target:
            return True, cells
        # a path still to reach the target passes through a-1 or a, or starts later, at a row >= imin
        imin = max(0, (a - 1 - dhi) >> 1)
        if max(mx, mx_prev) + sm * (lx - imin) < target:
            return False, cells
        mx_prev = mx
    return False, cells


@nb.njit(cache=True, nogil=True)
def _band_align(x, lx, y, ly, dlo, dhi, identity, coverage, cols, tb, hp, hc):
    """Banded local alignment of x and y (diagonals j - i in [dlo, dhi]); does it link them?

    tb: traceback scratch of >= lx * ((width + 3) // 4) bytes (the caller grows it).
    """
    dlo = max(dlo, -(lx - 1))
    dhi = min(dhi, ly - 1)
    if dlo > dhi:
        return False
    wdt = dhi - dlo + 1
    tw = (wdt + 3) // 4
    neg = -(1 << 40)
    for t in range(wdt + 2):
        hp[t] = neg
        hc[t] = neg
    tb[:lx * tw] = 0
    best = 0
    bi = -1
    bt = -1
    for i in range(lx):
        xi = x[i]
        t0 = max(0, -i - dlo)
        t1 = min(wdt, ly - i - dlo)
        for t in range(0, min(t0, wdt)):
            hc[t] = neg
        for t in range(max(t1, 0), wdt):
            hc[t] = neg
        row = i * tw
        for t in range(t0, t1):
            j = i + dlo + t
            dg = hp[t] if (i > 0 and j > 0) else 0
            s = (dg if dg > 0 else 0) + (MATCH if (xi == y[j] and xi < 4) else MISMATCH)
            up = hp[t + 1] + GAP if t + 1 < wdt else neg
            lf = hc[t - 1] + GAP if t > t0 else neg
            h = 0
            code = 0
            if s > 0:
                h = s
                code = 1
            if up > h:
                h = up
                code = 2
            if lf > h:
                h = lf
                code = 3
            hc[t] = h
            if code:
                tb[row + (t >> 2)] |= np.uint8(code << (2 * (t & 3)))
            if h > best:
                best = h
                bi = i
                bt = t
        hp, hc = hc, hp
    if bi < 0:
        return False
    # traceback; every cell reached has H > 0 unless its code is 0
    i, t = bi, bt
    n = 0
    while i >= 0 and 0 <= t < wdt:
        code = (tb[i * tw + (t >> 2)] >> (2 * (t & 3))) & 3
        if code == 0:
            break
        j = i + dlo + t
        if code == 1:
            cols[n] = 0 if (x[i] == y[j] and x[i] < 4) else 1
            i -= 1
        elif code == 2:
            cols[n] = 2
            i -= 1
            t += 1
        else:
            cols[n] = 3
            t -= 1
        n += 1
    rc = cols[:n][::-1].copy()
    if _best_span(rc, n, identity, True) >= coverage * lx - 1e-9:
        return True
    return _best_span(rc, n, identity, False) >= coverage * ly - 1e-9


# ---------------------------------------------------------------- one pair

@nb.njit(cache=True, nogil=True)
def _sample_words(codes, offs, q, words, woff, hasn):
    """Each sequence's q-mers at multiples of q, as codes: row 0 of `words` forward, row 1 of its reverse
    complement (words of sequence s: woff[s]:woff[s + 1]); hasn[s] = 1 where s holds an N (those are read from codes)."""
    for s in range(len(offs) - 1):
        a = offs[s]
        ln = offs[s + 1] - a
        w0 = woff[s]
        for t in range(ln // q):
            f = 0
            r = 0
            for u in range(q):
                b = codes[a + t * q + u]
                c = codes[a + ln - 1 - (t * q + u)]
                if b > 3 or c > 3:
                    hasn[s] = 1
                f = (f << 2) | (b & 3)
                r = (r << 2) | (3 - (c & 3))
            words[0, w0 + t] = f
            words[1, w0 + t] = r
        for u in range(ln - (ln // q) * q):
            if codes[a + (ln // q) * q + u] > 3:
                hasn[s] = 1


def sample_words(codes: np.ndarray, offs: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(words, woff, hasn) of `_sample_words`: 2 bits per base and strand (q <= 8)."""
    n = len(offs) - 1
    woff = np.zeros(n + 1, np.int64)
    np.cumsum(np.diff(offs) // q, out=woff[1:])
    words = np.empty((2, int(woff[-1])), np.uint16)
    hasn = np.zeros(n, np.uint8)
    _sample_words(codes, offs, q, words, woff, hasn)
    return words, woff, hasn


@nb.njit(cache=True, nogil=True)
def _words_sampled(qbits, words, lo, nw, need):
    """`_qgram_sampled` on precomputed words (sequences without N)."""
    if need <= 0:
        return True
    count = 0
    for t in range(nw):
        if count >= need:
            return True
        if count + (nw - t) < need:
            return False
        c = np.int64(words[lo + t])
        if (qbits[c >> 6] >> np.uint64(c & 63)) & np.uint64(1):
            count += 1
    return count >= need


@nb.njit(cache=True, nogil=True)
def _qgram_sampled(qbits, y, ly, q, need, reverse):
    """Are >= need of y's q-mers starting at multiples of q (of its reverse complement if `reverse`) in x's bit set?

    An edit column spoils the q-mers of <= q consecutive starts, so <= 1 sampled one (`sampled_bounds`).
    """
    if need <= 0:
        return True
    ns = (ly - q) // q + 1
    count = 0
    for s in range(ns):
        if count >= need:
            return True
        if count + (ns - s) < need:
            return False
        p = s * q
        code = 0
        ok = True
        for t in range(q):
            b = y[ly - 1 - (p + t)] if reverse else y[p + t]
            if b > 3:
                ok = False
                break
            if reverse:
                b = 3 - b
            code = (code << 2) | b
        if ok and (qbits[code >> 6] >> np.uint64(code & 63)) & np.uint64(1):
            count += 1
    return count >= need


@nb.njit(cache=True, nogil=True)
def _qgram_count(qbits, y, ly, q, need, reverse):
    """Are >= need of y's q-mer positions (of its reverse complement if `reverse`) present in x's bit set?

    Stops as soon as the answer is known.
    """
    mask = (1 << (2 * q)) - 1
    code = 0
    valid = 0
    count = 0
    for j in range(ly):
        if count >= need:
            return True
        if count + (ly - j) < need:
            return False
        b = y[ly - 1 - j] if reverse else y[j]
        if b > 3:
            valid = 0
            code = 0
            continue
        if reverse:
            b = 3 - b
        code = ((code << 2) | b) & mask
        valid += 1
        if valid >= q and (qbits[code >> 6] >> np.uint64(code & 63)) & np.uint64(1):
            count += 1
    return count >= need


@nb.njit(cache=True, nogil=True)
def _qgram_regions(qbits, qhead, qnext, y, ly, q, need, e, identity, coverage, x, xr, lx, lag, ltarget, work, ctr):
    """Align each diagonal region of y's q-mer hits in x that holds >= need distinct y positions within e+1 diagonals.

    xr: x reversed; y: N coded 5. work: (mark, dbuf, pbuf, cols, tb, hp, hc, A0, A1, A2) scratch;
    dbuf/pbuf/tb may be replaced by larger ones.
    """
    mark, dbuf, pbuf, cols, tb, hp, hc, A0, A1, A2 = work
    mask = (1 << (2 * q)) - 1
    code = 0
    valid = 0
    nh = 0
    for j in range(ly):
        b = y[j]
        if b > 3:
            valid = 0
            code = 0
            continue
        code = ((code << 2) | b) & mask
        valid += 1
        if valid < q:
            continue
        if (qbits[code >> 6] >> np.uint64(code & 63)) & np.uint64(1) == 0:
            continue
        qs = j - q + 1
        p = qhead[code]
        while p >= 0:
            if nh == len(dbuf):
                d2 = np.empty(2 * nh, np.int64)
                d2[:nh] = dbuf
                dbuf = d2
                p2 = np.empty(2 * nh, np.int64)
                p2[:nh] = pbuf
                pbuf = p2
            dbuf[nh] = qs - p
            pbuf[nh] = qs
            nh += 1
            p = qnext[p]
    work = (mark, dbuf, pbuf, cols, tb, hp, hc, A0, A1, A2)
    order = np.argsort(dbuf[:nh], kind="mergesort")
    # a linking alignment drifts over <= e diagonals, so its >= need hits fall in one window
    # [d, d + e] of the sorted hit diagonals: align only around such dense windows
    a = 0
    b = 0
    serial = 0
    reg_lo = 0
    reg_hi = -1
    reg_start = 0
    reg_end = 0
    open_region = False
    while a <= nh:
        dense = False
        if a < nh:
            while b < nh and dbuf[order[b]] - dbuf[order[a]] <= e:
                b += 1
            dense = b - a >= need
        if dense and open_region and dbuf[order[a]] <= reg_hi + e + 1:
            reg_hi = dbuf[order[b - 1]]
            reg_end = b
        elif open_region and (a == nh or dense or dbuf[order[a]] > reg_hi + e + 1):
            # close the region [reg_lo, reg_hi]: count its distinct y positions, then bound, then align
            serial += 1
            distinct = 0
            for t in range(reg_start, reg_end):
                qs = pbuf[order[t]]
                if mark[qs] != serial:
                    mark[qs] = serial
                    distinct += 1
            open_region = False
            if distinct >= need:
                ctr[3] += 1
                ok, cells = _lag_pass(xr, lx, y, ly, reg_lo - e, reg_hi + e, lag[-3], lag[-2], lag[-1], ltarget, A0, A1, A2)
                ctr[4] += cells
                if ok:
                    ctr[6] += 1
                    ctr[7] += lx * (reg_hi - reg_lo + 2 * e + 1)
                    need_tb = lx * ((reg_hi - reg_lo + 2 * e + 1 + 3) // 4)
                    if need_tb > len(tb):
                        tb = np.empty(2 * need_tb, np.uint8)
                        work = (mark, dbuf, pbuf, cols, tb, hp, hc, A0, A1, A2)
                    if _band_align(x, lx, y, ly, reg_lo - e, reg_hi + e, identity, coverage, cols, tb, hp, hc):
                        for t in range(ly + 1):
                            mark[t] = 0
                        return True, work
            if dense:
                continue  # reconsider this window as the start of a new region
        elif dense:
            open_region = True
            reg_lo = dbuf[order[a]]
            reg_hi = dbuf[order[b - 1]]
            reg_start = a
            reg_end = b
        a += 1
    for t in range(ly + 1):
        mark[t] = 0
    return False, work


@nb.njit(cache=True, nogil=True)
def _link_pair(codes, offs, words, woff, hasn, xi, yi, same, opp, b2, bs, q, identity, coverage, lag, qbits, qhead, qnext, xr, y5, work,
               ctr):
    """Is (xi, yi) linked? x's q-mer tables (qbits, qhead/qnext) and reversal xr are built; same/opp: strands
    left by the seed count."""
    lx = offs[xi + 1] - offs[xi]
    ly = offs[yi + 1] - offs[yi]
    x = codes[offs[xi]:offs[xi + 1]]
    y = codes[offs[yi]:offs[yi + 1]]
    need = min(b2[lx], b2[ly])
    need_s = min(bs[0, lx], bs[1, ly])
    ee = int(math.floor((min(lx, ly) * (1.0 - identity)) / identity + 1e-9))
    ltarget = min(lag[lx], lag[ly])
    for strand in range(2):
        if not (opp if strand else same):
            continue
        if hasn[yi]:
            if not _qgram_sampled(qbits, y, ly, q, need_s, strand == 1):
                continue
        elif not _words_sampled(qbits, words[strand], woff[yi], woff[yi + 1] - woff[yi], need_s):
            continue
        ctr[8] += 1
        if not _qgram_count(qbits, y, ly, q, need, strand == 1):
            continue
        ctr[5] += 1
        for i in range(ly):
            b = y[ly - 1 - i] if strand == 1 else y[i]
            y5[i] = (3 - b if strand == 1 else b) if b < 4 else 5
        ok, work = _qgram_regions(qbits, qhead, qnext, y5[:ly], ly, q, need, ee, identity, coverage, x, xr, lx, lag,
                                  ltarget, work, ctr)
        if ok:
            return True, work
    return False, work


# ---------------------------------------------------------------- the search

@nb.njit(cache=True, nogil=True)
def _search(lo, hi, codes, offs, words, woff, hasn, maxlen, k, w, q, b1, b2, bs, lag, identity, coverage, head, post, parent, size, serial,
            cnt, touched, links, ctr):
    """Examine every pair (x, y), lo <= x < hi, y > x, not already in one group; return (next x, links written).

    serial: union each link at once (one thread); else write it to `links` (reading `parent`
    only) and stop early, returning the x to resume at, when `links` is full.
    """
    hb = np.empty(maxlen, np.uint64)
    vb = np.empty(maxlen, np.uint64)
    ob = np.empty(maxlen, np.uint8)
    mv = np.empty(maxlen, np.uint64)
    mo = np.empty(maxlen, np.uint8)
    mp = np.empty(maxlen, np.int64)
    nq = 1 << (2 * q)
    qbits = np.zeros(max(1, nq >> 6), np.uint64)
    qhead = np.full(nq, -1, np.int32)
    qnext = np.empty(maxlen, np.int32)
    y5 = np.empty(maxlen, np.uint8)
    xr = np.empty(maxlen, np.uint8)
    work = (np.zeros(maxlen + 1, np.int64), np.empty(4 * maxlen, np.int64), np.empty(4 * maxlen, np.int64),
            np.empty(2 * maxlen + 4, np.uint8), np.empty(64, np.uint8), np.empty(2 * maxlen + 4, np.int64),
            np.empty(2 * maxlen + 4, np.int64), np.empty(maxlen + 4, np.int32), np.empty(maxlen + 4, np.int32),
            np.empty(maxlen + 4, np.int32))
    xroots = np.empty(64, np.int64)
    qmask = nq - 1
    nl = 0
    for xi in range(lo, hi):
        lx = offs[xi + 1] - offs[xi]
        m = _minimizers(codes, offs[xi], lx, k, w, hb, vb, ob, mv, mo, mp)
        nt = 0
        key = 2 * xi + 2
        for t in range(m):
            v = mv[t]
            a = head[v]
            b = head[v + np.uint64(1)]
            # postings are ascending: skip to sequences after xi (each pair is seen once, from its first member)
            lo2, hi2 = a, b
            while lo2 < hi2:
                mid = (lo2 + hi2) // 2
                if post[mid] < key:
                    lo2 = mid + 1
                else:
                    hi2 = mid
            ctr[0] += b - lo2
            st = np.int32(mo[t])
            for u in range(lo2, b):
                ent = post[u]
                yi = ent >> 1
                if cnt[2 * yi] == 0 and cnt[2 * yi + 1] == 0:
                    touched[nt] = yi
                    nt += 1
                cnt[2 * yi + ((ent & 1) ^ st)] += 1
        built = False
        rx = _root(parent, xi)
        nxr = 0
        for u in range(nt):
            yi = touched[u]
            ly = offs[yi + 1] - offs[yi]
            need = min(b1[lx], b1[ly])
            s_ok = cnt[2 * yi] >= need
            o_ok = cnt[2 * yi + 1] >= need
            cnt[2 * yi] = 0
            cnt[2 * yi + 1] = 0
            if not (s_ok or o_ok):
                continue
            if serial:
                rx = _root(parent, xi)
            ry = _root(parent, yi)
            if ry == rx:
                continue
            seen = False
            for t in range(nxr):
                if xroots[t] == ry:
                    seen = True
                    break
            if seen:
                continue
            ctr[1] += 1
            if not built:
                qbits[:] = 0
                code = 0
                valid = 0
                for i in range(lx):
                    bb = codes[offs[xi] + i]
                    if bb > 3:
                        valid = 0
                        code = 0
                        continue
                    code = ((code << 2) | bb) & qmask
                    valid += 1
                    if valid >= q:
                        p = i - q + 1
                        if (qbits[code >> 6] >> np.uint64(code & 63)) & np.uint64(1) == 0:
                            qbits[code >> 6] |= np.uint64(1) << np.uint64(code & 63)
                            qhead[code] = -1
                        qnext[p] = qhead[code]
                        qhead[code] = p
                for i in range(lx):
                    xr[i] = codes[offs[xi] + lx - 1 - i]
                built = True
            ok, work = _link_pair(codes, offs, words, woff, hasn, xi, yi, s_ok, o_ok, b2, bs, q, identity, coverage, lag, qbits, qhead,
                                  qnext, xr, y5, work, ctr)
            if ok:
                ctr[2] += 1
                if serial:
                    _union(parent, size, xi, yi)
                else:
                    if nxr < len(xroots):
                        xroots[nxr] = ry
                        nxr += 1
                    links[nl, 0] = xi
                    links[nl, 1] = yi
                    nl += 1
                    if nl == len(links):
                        for t in range(u + 1, nt):  # leave the counts clean for the next call
                            cnt[2 * touched[t]] = 0
                            cnt[2 * touched[t] + 1] = 0
                        return xi, nl
    return hi, nl


# ---------------------------------------------------------------- driver

def _chunks(n: int, threads: int) -> int:
    """Query sequences per task: small enough to balance the threads and keep the union-find fresh."""
    return max(8, min(512, n // (threads * 64) or 8))


def group_codes(codes: np.ndarray, offs: np.ndarray, identity: float = 0.95, coverage: float = 0.8,
                threads: int | None = None, stats: dict | None = None, chunk: int | None = None,
                profile: dict | None = None) -> np.ndarray:
    """Group per sequence (smallest member index) for encoded sequences; see the module docstring.

    `stats` receives what does not depend on threads or timing (seed parameters, index size,
    `merges` = sequences - groups): it goes into build.json. `profile` receives the rest: thread
    count, seconds, and the work counters (pairs examined, alignments, links found), which vary
    with the thread count and timing because a pair already joined is skipped.
    `chunk` (query sequences per task) only changes the speed, never the groups.
    """
    n = len(offs) - 1
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    threads = max(1, int(threads or threads_default()))
    lengths = np.diff(offs)
    plan = make_plan(lengths, identity, coverage, int(offs[-1]))
    t0 = time.perf_counter()
    c0 = time.process_time()
    head, post = build_index(codes, offs, plan.k, plan.w)
    words, woff, hasn = sample_words(codes, offs, plan.q)
    t_index, c_index = time.perf_counter() - t0, time.process_time() - c0
    parent = np.arange(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    maxlen = int(lengths.max())
    ctr = np.zeros(_NCTR, dtype=np.int64)
    args = (codes, offs, words, woff, hasn, maxlen, plan.k, plan.w, plan.q, plan.b1, plan.b2, plan.bs, plan.lag,
            float(identity), float(coverage), head, post, parent, size)
    t0 = time.perf_counter()
    c0 = time.process_time()
    if threads == 1:
        _search(0, n, *args, True, np.zeros(2 * n, np.int32), np.empty(n, np.int32), np.empty((1, 2), np.int64), ctr)
    else:
        _search_threads(n, args, threads, chunk or _chunks(n, threads), ctr)
    t_search, c_search = time.perf_counter() - t0, time.process_time() - c0
    labels = _labels(parent)
    if stats is not None:
        stats.update(k=plan.k, w=plan.w, q=plan.q, postings=int(len(post)), merges=int(n - np.sum(labels == np.arange(n))))
    if profile is not None:
        profile.update(threads=threads, index_seconds=round(t_index, 2), index_cpu_seconds=round(c_index, 2),
                       search_seconds=round(t_search, 2), search_cpu_seconds=round(c_search, 2),
                       **{name: int(ctr[i]) for i, name in enumerate(_COUNTERS)})
    return labels


def _search_threads(n: int, args: tuple, threads: int, chunk: int, ctr: np.ndarray) -> None:
    """Run `_search` over [0, n) in chunks on `threads` threads; this thread unions the links as chunks finish."""
    parent, size = args[-2], args[-1]
    free = [(np.zeros(2 * n, np.int32), np.empty(n, np.int32), np.empty((LINKS_CAP, 2), np.int64),
             np.zeros(_NCTR, np.int64)) for _ in range(threads)]

    def task(lo: int, hi: int):
        scratch = free.pop()
        cnt, touched, links, c = scratch
        nxt, nl = _search(lo, hi, *args, False, cnt, touched, links, c)
        return scratch, nxt, hi, nl

    todo = [(a, min(n, a + chunk)) for a in range(0, n, chunk)][::-1]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        running = set()
        while todo or running:
            while todo and len(running) < threads:
                running.add(pool.submit(task, *todo.pop()))
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                scratch, nxt, hi, nl = fut.result()
                _apply_links(parent, size, scratch[2], nl)
                if nxt < hi:
                    todo.append((nxt, hi))  # links buffer was full: resume at x = nxt, now with its links unioned
                free.append(scratch)
    for scratch in free:
        ctr += scratch[3]


def containment_groups(sequences: Sequence[str], identity: float = 0.95, coverage: float = 0.8,
                       threads: int | None = None, stats: dict | None = None,
                       profile: dict | None = None) -> np.ndarray:
    """Group index per sequence (the smallest index among its group): pure function, see module docstring.

    `threads`: cores to use (default: all this process may use). `stats`, `profile`: see `group_codes`.
    """
    codes, offs = encode(sequences)
    return group_codes(codes, offs, identity, coverage, threads, stats, profile=profile)


def pair_link(x: str, y: str, identity: float = 0.95, coverage: float = 0.8) -> bool:
    """Are x and y linked (either strand)? The same decision `containment_groups` makes for a pair."""
    return bool(containment_groups([x, y], identity, coverage, threads=1)[1] == 0)


def threads_default() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1
