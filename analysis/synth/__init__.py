"""Synthetic but realistic runs and the files other tools would write for them.

Used for the project's own test fixtures, the ingest benchmark and the bundled demo data,
so every reader is exercised without anyone's real files.
"""

from analysis.synth.fitfile import FitSession, fit_bytes
from analysis.synth.runs import SynthRun, synth_ride, synth_run, with_pause
from analysis.synth.writers import gpx_bytes, strava_csv_bytes, tcx_bytes, zip_of

__all__ = ["FitSession", "SynthRun", "fit_bytes", "gpx_bytes", "strava_csv_bytes",
           "synth_ride", "synth_run", "tcx_bytes", "with_pause", "zip_of"]
