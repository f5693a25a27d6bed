"""`bench motifs scan`: FIMO's table for motif files (MEME, JASPAR, HOCOMOCO) or JASPAR ids over a FASTA.

    bench motifs scan --motifs motifs.meme --fasta seqs.fa [--pvalue 1e-4] [--bg nrdb] --out hits.tsv

The output is MEME suite FIMO's `fimo.tsv` (same columns, number formats and values; see
`benchmark.interpret.fimo` for how they are computed), written atomically.
"""
from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(name="motifs", help="Motif scanning (FIMO-exact) over motif files or JASPAR ids.",
                  no_args_is_help=True, add_completion=False)


@app.command("scan")
def scan_command(
    motifs: str = typer.Option(..., "--motifs", "-m",
                               help="Motif file(s) (MEME, .jaspar, .pfm, HOCOMOCO .pcm) and/or JASPAR ids, comma-separated."),
    fasta: Path = typer.Option(..., "--fasta", "-f", help="Sequences to scan (FASTA, optionally .gz)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output TSV (FIMO's fimo.tsv columns)."),
    pvalue: float = typer.Option(1e-4, "--pvalue", "--thresh", help="Report windows with p-value <= this (FIMO --thresh)."),
    bg: str = typer.Option("nrdb", "--bg",
                           help="Background: nrdb (FIMO's default), uniform, motif (the motif file's), "
                                "file (letter frequencies of --fasta), or a MEME background file."),
    pseudocount: float = typer.Option(0.1, "--pseudocount", min=0.0, help="Motif pseudocount (FIMO --motif-pseudo)."),
    norc: bool = typer.Option(False, "--norc", help="Scan the given strand only (FIMO --norc)."),
    no_qvalue: bool = typer.Option(False, "--no-qvalue", help="Skip q-values (FIMO --no-qvalue: the column then reads 0)."),
    motif_id: list[str] = typer.Option([], "--motif", help="Scan only this motif id (repeatable; FIMO --motif)."),
) -> None:
    """Scan sequences with motifs and write FIMO's table."""
    from benchmark.interpret.fimo import BACKGROUNDS, scan_fimo, to_tsv
    from benchmark.interpret.motif_files import read_background, read_fasta, resolve_motifs
    from loaders.core.errors import UserError
    from loaders.core.files import atomic_write_text

    if not 0 < pvalue <= 1:
        raise UserError(f"--pvalue must be in (0, 1], got {pvalue}")
    if not out.parent.is_dir():
        raise UserError(f"output folder '{out.parent}' does not exist")
    from loaders.core.files import check_output_file

    check_output_file(out, "--out")
    try:
        mset = resolve_motifs([s for s in motifs.split(",") if s.strip()])
        chosen = mset.motifs
        if motif_id:
            known = {m.id for m in chosen}
            missing = [m for m in motif_id if m not in known]
            if missing:
                raise UserError(f"--motif {missing[0]}: no such motif in {motifs} ({len(known)} motifs)")
            chosen = [m for m in chosen if m.id in set(motif_id)]
        records = read_fasta(fasta)
        background = bg if bg in BACKGROUNDS else read_background(Path(bg))
        if bg == "motif" and mset.background is None:
            typer.echo("note: the motif file states no background; using uniform (as FIMO does)", err=True)
        hits = scan_fimo(chosen, records, background=background, motif_background=mset.background, pseudocount=pseudocount,
                         threshold=pvalue, both_strands=not norc, qvalues=not no_qvalue)
    except (ValueError, KeyError) as exc:  # scanning's own checks (e.g. a background's values) -> one line
        if isinstance(exc, UserError):
            raise
        raise UserError(str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)) from exc
    atomic_write_text(out, to_tsv(hits))
    typer.echo(f"{len(hits)} hits of {len(chosen)} motifs in {len(records)} sequences (p <= {pvalue:g}, "
               f"background {bg}) -> {out}")


def register(app_root: typer.Typer) -> None:
    """Add `bench motifs` to the root app."""
    app_root.add_typer(app, name="motifs")
