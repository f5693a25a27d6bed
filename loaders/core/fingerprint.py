"""Dataset fingerprints: sha256 over the test split's (id, sequence, label) in id order."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable


def fingerprint_rows(rows: Iterable[tuple[str, str, int]]) -> str:
    """sha256 of `id\\tsequence\\tlabel\\n` lines sorted by id."""
    h = hashlib.sha256()
    for rid, seq, label in sorted(rows, key=lambda r: r[0]):
        h.update(f"{rid}\t{seq}\t{int(label)}\n".encode())
    return h.hexdigest()


def fingerprint_split(split) -> str:
    """Fingerprint of a `datasets.Dataset` (or anything with id/sequence/label columns)."""
    return fingerprint_rows(zip(split["id"], split["sequence"], split["label"]))
