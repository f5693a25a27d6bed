"""DNA string helpers shared by every package (one copy of each)."""
from __future__ import annotations

_COMPLEMENT = str.maketrans("ACGTNRYKMBVDHacgtnrykmbvdh", "TGCANYRMKVBHDtgcanyrmkvbhd")


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string (case and IUPAC ambiguity codes kept; other characters are only reversed)."""
    return seq.translate(_COMPLEMENT)[::-1]
