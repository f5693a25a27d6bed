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
2. The same runs share >= l - e - (e+1)(q-1) q-mers (the q-gram lemma): a second count with
   all q-mers of the pair drops the rest of the hopeless pairs.
3. The surviving pairs are aligned in a band of +-e(min length) diagonals around their
   shared q-mers (an alignment with at most e indels cannot leave it).
Pairs already in one group are never re-examined (union-find), which keeps families of
near-identical copies linear instead of quadratic.

Nothing here depends on a heuristic cap (MMseqs2's `--max-seqs`, linclust's greedy centres).
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numba as nb
import numpy as np

MATCH, MISMATCH, GAP = 2, -3, -5
"""Local-alignment scores (per column; linear gaps)."""
_LUT = np.full(256, 4, dtype=np.uint8)
for _i, _c in enumerate(b"ACGT"):
    _LUT[_c] = _i
    _LUT[ord(chr(_c).lower())] = _i
_U64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class Plan:
    """Seed parameters and per-length filter bounds for one (identity, coverage, lengths) input."""

    k: int
    w: int
    q: int
    b1: np.ndarray
    b2: np.ndarray
    run: int


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
    return Plan(k=k, w=w, q=q, b1=b1, b2=b2, run=r)


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

@nb.njit(cache=True, inline="always")
def _mix(x):
    x = (x ^ (x >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    return x


@nb.njit(cache=True)
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
                if fwd < rev:
                    vbuf[p] = fwd
                    obuf[p] = 0
                    hbuf[p] = _mix(fwd)
                else:
                    vbuf[p] = rev
                    obuf[p] = 1
                    hbuf[p] = _mix(rev)
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


@nb.njit(cache=True)
def _index(codes, offs, k, w, nvals):
    """CSR postings: for each canonical minimizer value, the (sequence*2 + strand) holding it, ascending."""
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
    head = np.zeros(nvals + 1, np.int64)
    for s in range(n):
        m = _minimizers(codes, offs[s], offs[s + 1] - offs[s], k, w, hb, vb, ob, ov, oo, op)
        for t in range(m):
            keys[t] = ov[t] * np.uint64(2) + np.uint64(oo[t])
        ks = np.sort(keys[:m])
        for t in range(m):
            if t == 0 or ks[t] != ks[t - 1]:
                head[(ks[t] >> np.uint64(1)) + np.uint64(1)] += 1
    for v in range(nvals):
        head[v + 1] += head[v]
    post = np.empty(head[nvals], np.int32)
    fill = head[:nvals].copy()
    for s in range(n):
        m = _minimizers(codes, offs[s], offs[s + 1] - offs[s], k, w, hb, vb, ob, ov, oo, op)
        for t in range(m):
            keys[t] = ov[t] * np.uint64(2) + np.uint64(oo[t])
        ks = np.sort(keys[:m])
        for t in range(m):
            if t == 0 or ks[t] != ks[t - 1]:
                v = ks[t] >> np.uint64(1)
                post[fill[v]] = s * 2 + np.int64(ks[t] & np.uint64(1))
                fill[v] += 1
    return head, post


# ---------------------------------------------------------------- union-find

@nb.njit(cache=True, inline="always")
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@nb.njit(cache=True)
def _union(parent, a, b):
    ra = _find(parent, a)
    rb = _find(parent, b)
    if ra != rb:
        if rb < ra:
            ra, rb = rb, ra
        parent[rb] = ra


# ---------------------------------------------------------------- alignment

@nb.njit(cache=True)
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


@nb.njit(cache=True)
def _band_align(x, lx, y, ly, dlo, dhi, identity, coverage, cols):
    """Banded local alignment of x and y (diagonals j - i in [dlo, dhi]); does it link them?"""
    dlo = max(dlo, -(lx - 1))
    dhi = min(dhi, ly - 1)
    if dlo > dhi:
        return False
    wdt = dhi - dlo + 1
    neg = -(1 << 40)
    hp = np.full(wdt + 2, neg, np.int64)
    hc = np.full(wdt + 2, neg, np.int64)
    tb = np.zeros((lx, (wdt + 3) // 4), np.uint8)
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
                tb[i, t >> 2] |= np.uint8(code << (2 * (t & 3)))
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
        code = (tb[i, t >> 2] >> (2 * (t & 3))) & 3
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


@nb.njit(cache=True)
def _qgram_bands(qhead, qstamp, qnext, xid, y, ly, q, need, e, identity, coverage, x, lx, mark, dbuf, pbuf, cols, ctr):
    """q-gram count of y against x's q-mer table; if >= need, align each dense diagonal cluster."""
    mask = (1 << (2 * q)) - 1
    code = 0
    valid = 0
    nh = 0
    count = 0
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
        if qstamp[code] != xid:
            continue
        qs = j - q + 1
        count += 1
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
    if count < need:
        return False, dbuf, pbuf
    ctr[5] += 1
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
            # close the region [reg_lo, reg_hi]: count its distinct y positions, then align
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
                ctr[4] += lx * (reg_hi - reg_lo + 2 * e + 1)
                if _band_align(x, lx, y, ly, reg_lo - e, reg_hi + e, identity, coverage, cols):
                    for t in range(ly + 1):
                        mark[t] = 0
                    return True, dbuf, pbuf
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
    return False, dbuf, pbuf


@nb.njit(cache=True)
def _revcomp_into(codes, start, length, out):
    for i in range(length):
        b = codes[start + length - 1 - i]
        out[i] = 3 - b if b < 4 else 4


@nb.njit(cache=True)
def _link_pair(codes, offs, xi, yi, same, opp, b2, q, identity, coverage, qhead, qstamp, qnext, mark, dbuf, pbuf,
               cols, ybuf, ctr):
    lx = offs[xi + 1] - offs[xi]
    ly = offs[yi + 1] - offs[yi]
    x = codes[offs[xi]:offs[xi + 1]]
    need = min(b2[lx], b2[ly])
    e = (min(lx, ly) * (1.0 - identity)) / identity
    ee = int(math.floor(e + 1e-9))
    if same:
        ok, dbuf, pbuf = _qgram_bands(qhead, qstamp, qnext, xi, codes[offs[yi]:offs[yi + 1]], ly, q, need, ee,
                                      identity, coverage, x, lx, mark, dbuf, pbuf, cols, ctr)
        if ok:
            return True, dbuf, pbuf
    if opp:
        _revcomp_into(codes, offs[yi], ly, ybuf)
        ok, dbuf, pbuf = _qgram_bands(qhead, qstamp, qnext, xi, ybuf[:ly], ly, q, need, ee, identity, coverage, x, lx,
                                      mark, dbuf, pbuf, cols, ctr)
        if ok:
            return True, dbuf, pbuf
    return False, dbuf, pbuf


@nb.njit(cache=True)
def _group(codes, offs, k, w, q, b1, b2, identity, coverage, head, post, parent, stats):
    n = len(offs) - 1
    maxlen = 1
    for s in range(n):
        maxlen = max(maxlen, offs[s + 1] - offs[s])
    hb = np.empty(maxlen, np.uint64)
    vb = np.empty(maxlen, np.uint64)
    ob = np.empty(maxlen, np.uint8)
    mv = np.empty(maxlen, np.uint64)
    mo = np.empty(maxlen, np.uint8)
    mp = np.empty(maxlen, np.int64)
    cnt_s = np.zeros(n, np.int32)
    cnt_o = np.zeros(n, np.int32)
    touched = np.empty(n, np.int64)
    qhead = np.full(1 << (2 * q), -1, np.int32)
    qstamp = np.full(1 << (2 * q), -1, np.int32)
    qnext = np.empty(maxlen, np.int32)
    mark = np.zeros(maxlen + 1, np.int64)
    dbuf = np.empty(4 * maxlen, np.int64)
    pbuf = np.empty(4 * maxlen, np.int64)
    cols = np.empty(4 * maxlen + 4, np.uint8)
    ybuf = np.empty(maxlen, np.uint8)
    qmask = (1 << (2 * q)) - 1
    for xi in range(n):
        lx = offs[xi + 1] - offs[xi]
        m = _minimizers(codes, offs[xi], lx, k, w, hb, vb, ob, mv, mo, mp)
        nt = 0
        for t in range(m):
            v = mv[t]
            a = head[v]
            b = head[v + np.uint64(1)]
            # postings are ascending: skip to sequences after xi (each pair is seen once, from its first member)
            lo, hi = a, b
            key = 2 * xi + 2
            while lo < hi:
                mid = (lo + hi) // 2
                if post[mid] < key:
                    lo = mid + 1
                else:
                    hi = mid
            stats[0] += b - lo
            rx = _find(parent, xi)
            for u in range(lo, b):
                ent = post[u]
                yi = ent >> 1
                if _find(parent, yi) == rx:
                    continue
                if cnt_s[yi] == 0 and cnt_o[yi] == 0:
                    touched[nt] = yi
                    nt += 1
                if (ent & 1) == mo[t]:
                    cnt_s[yi] += 1
                else:
                    cnt_o[yi] += 1
        built = False
        for u in range(nt):
            yi = touched[u]
            ly = offs[yi + 1] - offs[yi]
            need = min(b1[lx], b1[ly])
            s_ok = cnt_s[yi] >= need
            o_ok = cnt_o[yi] >= need
            cnt_s[yi] = 0
            cnt_o[yi] = 0
            if not (s_ok or o_ok):
                continue
            if _find(parent, yi) == _find(parent, xi):
                continue
            stats[1] += 1
            if not built:
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
                        if qstamp[code] != xi:
                            qstamp[code] = xi
                            qhead[code] = -1
                        qnext[p] = qhead[code]
                        qhead[code] = p
                built = True
            ok, dbuf, pbuf = _link_pair(codes, offs, xi, yi, s_ok, o_ok, b2, q, identity, coverage, qhead, qstamp,
                                        qnext, mark, dbuf, pbuf, cols, ybuf, stats)
            if ok:
                stats[2] += 1
                _union(parent, xi, yi)
    for s in range(n):
        _find(parent, s)
    return parent


def group_codes(codes: np.ndarray, offs: np.ndarray, identity: float = 0.95, coverage: float = 0.8,
                threads: int | None = None, stats: dict | None = None) -> np.ndarray:
    """Group per sequence (smallest member index) for encoded sequences; see the module docstring."""
    n = len(offs) - 1
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lengths = np.diff(offs)
    plan = make_plan(lengths, identity, coverage, int(offs[-1]))
    head, post = _index(codes, offs, plan.k, plan.w, 1 << (2 * plan.k))
    parent = np.arange(n, dtype=np.int64)
    counters = np.zeros(8, dtype=np.int64)
    nb.set_num_threads(max(1, min(threads or threads_default(), nb.config.NUMBA_NUM_THREADS)))
    _group(codes, offs, plan.k, plan.w, plan.q, plan.b1, plan.b2, float(identity), float(coverage), head, post,
           parent, counters)
    if stats is not None:
        stats.update(k=plan.k, w=plan.w, q=plan.q, postings=int(len(post)), postings_scanned=int(counters[0]),
                     pairs_qgram_checked=int(counters[1]), pairs_qgram_passed=int(counters[5]),
                     alignments=int(counters[3]), alignment_cells=int(counters[4]), links=int(counters[2]))
    return parent


def containment_groups(sequences: Sequence[str], identity: float = 0.95, coverage: float = 0.8,
                       threads: int | None = None, stats: dict | None = None) -> np.ndarray:
    """Group index per sequence (the smallest index among its group): pure function, see module docstring.

    `threads`: cores to use (default: all this process may use). `stats` receives counters.
    """
    codes, offs = encode(sequences)
    return group_codes(codes, offs, identity, coverage, threads, stats)


def pair_link(x: str, y: str, identity: float = 0.95, coverage: float = 0.8) -> bool:
    """Are x and y linked (either strand)? The same decision `containment_groups` makes for a pair."""
    return bool(containment_groups([x, y], identity, coverage)[1] == 0)


def threads_default() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1
