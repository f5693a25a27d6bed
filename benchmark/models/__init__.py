"""PhenoSeq Bench."""
