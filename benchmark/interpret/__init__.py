"""Interpretation: attributions, high-attribution regions, JASPAR/FIMO motif enrichment, planted-motif check.

Python API (the `bench interpret` command is a thin layer over it):

- `handle.load_handle(dir) -> ModelHandle` (a `bench run` model dir, via `benchmark.finetune.load_finetuned`)
- `attribution.attribute(handle, seqs, method="attention"|"gradxinput"|"ig", target=...) -> [per-base arrays]`
- `regions.find_regions(seq_id, scores, Threshold(), min_len=8, pad=4)`, `write_bed`, `write_fasta`
- `motifs.load_jaspar(ids=None, release=JASPAR_RELEASE)`, `motifs.scan(motifs, {name: seq}) -> hits`
- `enrichment.motif_enrichment(hits, regions_a, regions_b, motifs) -> table`, `plot_enrichment`
- `planted.build_probe(...)`, `planted.recovery_table(runs)`, `planted.check_block(runs, ...)`;
  `pipeline.planted_recovery(load, seeds, backgrounds, ids, methods, PlantedSettings(...))`,
  `pipeline.interpret_sequences(...)`, `pipeline.update_results(results_json, block)`
"""
