"""Citation of the study every recipe reproduces."""

STUDY_BIBTEX = """@article{du2024enhancing,
  title   = {Enhancing recognition and interpretation of functional phenotypic sequences
             through fine-tuning pre-trained genomic models},
  author  = {Du, Duo and Liu, Lei and Zhong, Fan},
  journal = {Journal of Translational Medicine},
  year    = {2024},
  note    = {Preprint: bioRxiv, doi:10.1101/2023.12.05.570173}
}"""
