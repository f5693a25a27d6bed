"""PhenoSeq metrics as a local `evaluate` module (no Hub download).

    import evaluate
    metric = evaluate.load("path/to/benchmark/evaluate_metric")
    metric.compute(predictions=probs, references=labels)   # probs: (n, k) class probabilities

It wraps `benchmark.metrics.compute_metrics`, so every number equals the suite's own.
"""
import datasets
import evaluate
import numpy as np

from benchmark.metrics import METRIC_NAMES, compute_metrics

_DESCRIPTION = (
    "PhenoSeq Bench classification metrics (the registry `benchmark.metrics.METRICS`): "
    + ", ".join(METRIC_NAMES) + " (one-vs-rest macro averages for multiclass ranking metrics)."
)
_KWARGS = """
Args:
    predictions: class probabilities, one list of k floats per example (argmax is the prediction).
    references: true class ids (int).
    num_classes: optional number of classes k (default: width of predictions).
Returns:
    dict with one value per registered metric (auroc/auprc are None when no class can be ranked).
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class PhenoseqMetrics(evaluate.Metric):
    """`evaluate` wrapper of `benchmark.metrics.compute_metrics`."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Sequence(datasets.Value("float64")), "references": datasets.Value("int64")}
            ),
        )

    def _compute(self, predictions, references, num_classes=None):
        return compute_metrics(np.asarray(references), np.asarray(predictions, dtype=np.float64), num_classes)
