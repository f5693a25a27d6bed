"""DNA string helpers shared by every package (one copy of each)."""
from __future__ import annotations

_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def reverse_complement(seq: str) -> str:
    """Reverse complement of an ACGTN string (case kept; other characters are only reversed)."""
    return seq.translate(_COMPLEMENT)[::-1]
