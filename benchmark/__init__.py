"""Harness: tasks, model adapters, fine-tuning, metrics, results, interpretation."""
