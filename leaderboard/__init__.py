"""Submission validation, re-scoring, results store, static board."""
