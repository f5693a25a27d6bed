"""Pinned public inputs of the real (`grch38`) herv_classification build.

Facts (URLs, commits, sha256, sizes) come from the project's source notes. The genome, rmsk,
GENCODE and chrom.sizes pins are the shared ones (`loaders.sources`). Files whose upstream
publishes no stable checksum (UCSC, GENCODE, HPRC, Giraffe archive) carry `sha256=None`:
`loaders.build.fetch` records their sha256 in `<cache>/downloads/sources.lock.json` on first
download and treats any later change as an error unless drift is allowed.

Keys: `genome`, `rmsk`, `gencode`, `chrom_sizes`, `serve:<Tissue>` (42 GTEx tissues),
`serve_noncoding`, and the optional `telescope_genes`, `hprc_vcf`, `kgp_sv_vcf`.
"""
from __future__ import annotations

from loaders.core.recipe import SourceFile
from loaders.sources import CHROM_SIZES, GENCODE, GENOME, RMSK

SERVE_COMMIT = "54316b3406445412a86908c516882610136c776a"
SERVE_BASE = f"https://raw.githubusercontent.com/janky-yz/SERVE/{SERVE_COMMIT}/Annotation"
SERVE_RELEASE = f"SERVE commit {SERVE_COMMIT[:7]} (2024-10-09)"
SERVE_LICENSE = "GPL-3.0 (janky-yz/SERVE); cite She et al. (SERVE)"

TELESCOPE_COMMIT = "a8a282b1f1161a6a2ee5604b8037e45e31048bd6"
TELESCOPE_BASE = (f"https://github.com/mlbendall/telescope_annotation_db/raw/{TELESCOPE_COMMIT}"
                  "/builds/HERV_rmsk.hg38.v2")
TELESCOPE_LICENSE = ("no license file in mlbendall/telescope_annotation_db (the Telescope software is MIT); "
                     "cite Bendall et al. 2019")

HPRC_URL = ("https://s3-us-west-2.amazonaws.com/human-pangenomics/pangenomes/freeze/freeze1/minigraph-cactus/"
            "hprc-v1.1-mc-grch38/hprc-v1.1-mc-grch38.vcfbub.a100k.wave.vcf.gz")
HPRC_LICENSE = "HPRC open-access public data release (no access restrictions); cite Liao et al. 2023"
KGP_SV_URL = "https://cgl.gi.ucsc.edu/data/giraffe/products/vggiraffe-sv-2504kgp-raw.vcf.gz"
KGP_SV_LICENSE = ("public data products of the vg Giraffe paper (1000 Genomes samples, open access); "
                  "cite Siren et al. 2021")

SERVE_TISSUES: tuple[tuple[str, str, int], ...] = (
    ("Adipose_Subcutaneous", "f35b06538645e8fa52d17a8eb428302d85a636103c92855d32af8c9baaabf8ee", 1_225_791),
    ("Adipose_Visceral", "2db671ce2a477a1fc08b06ad77b8c72120323e3badbe79cc55e88d9da61fba31", 796_222),
    ("Adrenal_Gland", "7b417355f9b97636706f18bd3065bc2ff72d69d077141aced9aab15d4b0b4cc1", 1_186_890),
    ("Artery_Aorta", "459722d482a251cd01cf3f8f1e67291ba61f61203c43a96db9937b88b922742b", 870_285),
    ("Artery_Coronary", "cb86edf63e49162820f3231193b20409cda9b0e647df505f7efde51c27be787a", 880_021),
    ("Artery_Tibial", "d75a5d6a736c61d77493d68059aea4cb966046b678c23a6f6be3be6a7d19916e", 754_145),
    ("Brain_BA24", "d51620128a20e40f0b24fc9061de1efd825e101a5dc31c1c3014055fb724f725", 941_299),
    ("Brain_BA9", "5d67460f9807071cfcfc38a1be5c02c9984af8213bab6cddd2b963d8319de732", 1_132_425),
    ("Brain_CH", "f8e3ef971ac07258abea4f9f8a0d6b25644dfdd4e1a8c79eb8d545d3de1ce351", 2_549_841),
    ("Brain_Caudate", "738d6fb393136f894b14d2e33f5980a22e932570d299c49cab4165b80273d2bc", 1_227_057),
    ("Brain_Cerebellum", "23a2c87238d797a1bd0b157021bcf9d79d0214bce23ae13ba8456c533b4a93c3", 2_986_431),
    ("Brain_Cortex", "a663cdb933d3e3f8027dca3569292145d533b46cd261e05edddd69b6819db6ae", 1_188_616),
    ("Brain_Hippocampus", "ec5fa8275006b2761e5be88546aeb157f6161ded18d61043438984746235bec2", 842_667),
    ("Brain_Hypothalamus", "f30dc08420704fea2000358d9d835ab327d42c44dd8afc2f16a2f538bc22bbe9", 1_157_139),
    ("Brain_NA", "46cafe680a6cafcd607ffa3d2537a8f8463194b69a1bc157b1546bd35ba55b47", 1_318_229),
    ("Brain_Putamen", "a605bf1ccc37f3f9ce2fa75b95210c7e13ad367e7a61a6188587226d6a040493", 961_792),
    ("Breast", "58b05b248d59db1f81ad37637d900d6a33ed14cef5182466e57528b57a7874bb", 1_063_952),
    ("Colon_Sigmoid", "fac4521ae2a4510b694288a59a14d356554c3e9617583e14cfee2fdb517381d5", 1_062_195),
    ("Colon_Transverse", "a86ba8147c8bd911c0ebc8ac030179b39d1ec48717cc6d2d0cdcd8fff896640c", 1_204_958),
    ("Esophagus_GJ", "7101f4a37af2cbf6c817961ba563ab00566a4036686c1a2e51515392b7919a3f", 1_041_801),
    ("Esophagus_Mucosa", "85702af354e1c01fc50e66be43865a29efefaf175cfe3c55819d6f2a1e494aa9", 927_153),
    ("Esophagus_Muscularis", "721d9208e93dd359a2a3830a5bdc789f8c038a608e143ae2945befd44145a4e6", 1_034_970),
    ("Heart_AA", "88e855fcab484907d006cfa0151fd9ff598716dcc46323e89b617e2668069b1c", 685_036),
    ("Heart_LV", "d7fd6928560b8c7b6573247f3cca26fb266ba146fa74a6b45445b96a3b70bcb0", 575_080),
    ("Liver", "170ea94040507872b0d61abd7b59097bdaa8a9649b3ea7f6b0babb3be3f1f401", 700_062),
    ("Lung", "bfc486bc93c1d9ce7fe3a6b356f2b73af6a5df55ac818996e00b06aac9603be5", 999_223),
    ("Muscle_Skeletal", "90dac896e794ec19cebc7941124796f187f7d4f3dd584200cd08703051ad0b71", 448_196),
    ("Nerve_Tibial", "b54e109142f977881b2bd4348a0fa535d961f4b3fbd587e86e8adf7690cb4b5b", 1_658_575),
    ("Ovary", "3837bdc940ea6aed36b223a647732fd6a14ef6b881b7f4ca897e568745c9b7d4", 1_721_731),
    ("Pancreas", "573bd945dc03f0bca52330c6accaa22d4afc7016eb45806cf8df8aad766f144f", 719_678),
    ("Pituitary", "1cdff83c7ab3dc28402a796d8a417f291745e6ff39a1700ba6593bc7548acc33", 1_901_029),
    ("Prostate", "5c80725238a3f37f9b5809ed52f5276cb41de037f0bfb105bc25b0954a95c746", 1_421_746),
    ("Skin_Exposed", "2d4d384f5ac226c3aff4d3a6411b626b86960b580fd0949577c86e345a3bd079", 1_190_831),
    ("Skin_Notexposed", "2328f349d30f7be14216c8263b5947371eada233b90ca7d3d4a3c5cc7f5e2a0c", 1_185_137),
    ("Small_Intestine", "afe713228c34fd85745ceb04033632a46482a9b2c56c1c8bbfdb140b3227353d", 1_580_143),
    ("Spleen", "491e07cbc2b4f43a3cfacd505747de014657f2dd804fd5d2a63f9b395642594f", 1_577_632),
    ("Stomach", "ecddc6e20e7cd96adc16ad23e650bda33ea259dc3aaecaaf2febd70abc2cbd7f", 742_658),
    ("Testis", "831ae93a8025aa17c6805c522af01f427c68912759b1479f8dd4bef620f4e931", 3_945_358),
    ("Thyroid", "a3deca153bee508034542daf7a61548c6d14ee8cab646dc80851a0007f6e5ae8", 1_496_356),
    ("Uterus", "4fc34b79543dee13b05e6b7dd7f55ebe438bcbbaf3994b395d8618d7a4ebeb10", 1_465_973),
    ("Vagina", "7f606a5786165b360296a91bc95d249ae37bc9d67f3064e677b688468592dbe9", 1_213_561),
    ("Whole_Blood", "e487a3ebfc57b8ee32967c3b7cbbac1029fafc2a40aa0a4b4aa23f18dc2e1daa", 417_748),
)
"""(tissue, sha256, bytes) of each `<tissue>_HERV.gtf` at `SERVE_COMMIT`."""

SERVE_NONCODING_GIT_BLOB = "dc081a9da7c61481d93be700a5d8a40765316f3f"


def serve_tissue_sources() -> tuple[SourceFile, ...]:
    """One pinned `SourceFile` per SERVE GTEx tissue GTF, keyed `serve:<Tissue>`."""
    return tuple(
        SourceFile(key=f"serve:{tissue}", url=f"{SERVE_BASE}/{tissue}_HERV.gtf", release=SERVE_RELEASE,
                   license=SERVE_LICENSE, sha256=sha, size=size,
                   description=f"SERVE expressed-HERV transcripts in GTEx {tissue.replace('_', ' ')} "
                               "(TACO-merged assembly; GTF, 1-based closed; transcript + exon rows)")
        for tissue, sha, size in SERVE_TISSUES)


GRCH38_SOURCES: tuple[SourceFile, ...] = (
    GENOME,
    RMSK,
    GENCODE,
    CHROM_SIZES,
    *serve_tissue_sources(),
    SourceFile(key="serve_noncoding", url=f"{SERVE_BASE}/HERV_noncoding.bed.gz", release=SERVE_RELEASE,
               license=SERVE_LICENSE, git_blob=SERVE_NONCODING_GIT_BLOB,
               description="HERV loci from HERVd (BED.gz); the study's HERV universe. Pinned by git blob id; "
                           "sha256 recorded on first download"),
    SourceFile(key="telescope_genes", url=f"{TELESCOPE_BASE}/genes.gtf",
               release=f"Telescope HERV_rmsk.hg38.v2, telescope_annotation_db commit {TELESCOPE_COMMIT[:7]}",
               license=TELESCOPE_LICENSE,
               sha256="5e4dff9f873dc3e4491c8acde42e1a63842035e95c8a040aa94fa48c5f67e78a", size=3_435_494,
               optional=True,
               description="Curated HERV proviral loci (one gene row per locus, 14,968 loci): alternative "
                           "HERV locus set"),
    SourceFile(key="hprc_vcf", url=HPRC_URL,
               release="HPRC v1.1 Minigraph-Cactus, GRCh38-based, vcfbub a100k + vcfwave",
               license=HPRC_LICENSE, optional=True,
               description="Pangenome ALT alleles (>= 150 bp overlapping class intervals); optional"),
    SourceFile(key="kgp_sv_vcf", url=KGP_SV_URL,
               release="vg Giraffe SV genotypes, 2,504 unrelated 1000 Genomes samples (raw allele-level VCF)",
               license=KGP_SV_LICENSE, optional=True,
               description="1000 Genomes SV ALT alleles (>= 150 bp overlapping class intervals); optional"),
)
"""Every input of the real build, required first, optional (`optional=True`) last."""

__all__ = ["GRCH38_SOURCES", "SERVE_COMMIT", "SERVE_TISSUES", "serve_tissue_sources"]
