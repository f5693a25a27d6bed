"""`bench`: the PhenoSeq Bench command line. Each package contributes its commands."""
from __future__ import annotations

import typer

import baselines.cli
import benchmark.cli
import benchmark.interpret.cli
import benchmark.interpret.motifs_cli
import leaderboard.cli
import loaders.cli

app = typer.Typer(
    name="bench",
    help="PhenoSeq Bench: genotype-phenotype classification benchmarks for genomic language models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
loaders.cli.register(app)
benchmark.cli.register(app)
benchmark.interpret.cli.register(app)
benchmark.interpret.motifs_cli.register(app)
baselines.cli.register(app)
leaderboard.cli.register(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
