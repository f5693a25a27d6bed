"""Local `evaluate` module of the suite's metrics: `evaluate.load(<this folder>)` (see evaluate_metric.py)."""
