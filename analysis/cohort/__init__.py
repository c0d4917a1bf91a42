"""Research cohorts beyond one machine: a manifest of runners, a de-identified Parquet
dataset built on Dask (analysis.cohort.build), and the matching attack that measures how
well its pseudonyms hold (analysis.cohort.linkage)."""
