"""Statistics relating running load to knee pain: one runner (n-of-1 lagged associations,
flare event study), a cohort (within/between mixed model, time to flare, risk differences)
and a de-identified research export. Every result is exploratory (see DOMAIN.md §5)."""
