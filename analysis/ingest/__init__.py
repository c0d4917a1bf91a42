"""Reading runners' exports: GPX, TCX, FIT (also gzipped), Strava bulk exports, Garmin CSV.

`read_sources` is the entry point; each reader module handles one format, and
`summarise` computes every per-activity metric the same way for all of them.
"""

from analysis.ingest.errors import IngestError
from analysis.ingest.model import FileResult, ParsedActivity, ReadOptions
from analysis.ingest.runner import read_sources
from analysis.ingest.table import activity_table

__all__ = ["FileResult", "IngestError", "ParsedActivity", "ReadOptions", "activity_table",
           "read_sources"]
