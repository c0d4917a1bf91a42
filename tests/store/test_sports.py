"""Guessed sports in the store: the runner confirms or changes them, and that choice stays
when the same outing is imported again from any file; a guess never splits one outing."""

from __future__ import annotations

import gzip

import pytest

from analysis.ingest import read_sources
from analysis.store import Store
from analysis.synth import fit_bytes, gpx_bytes, synth_ride, tcx_bytes
from tests.store.conftest import run_at

RUN = run_at("2024-03-01T07:00:00Z", seed=4, duration_s=1800, name="Tuesday")
RIDE = synth_ride("2024-03-02T09:00:00Z", name="Saturday")


def store_files(store: Store, *files: tuple[str, bytes]) -> list[str]:
    athlete = store.athlete()
    return [o.status for o in store.import_results(athlete.id, read_sources(list(files))).files]


def sports(store: Store) -> list[tuple[str, str, str]]:
    table = store.activities(store.athlete().id)
    return list(zip(table.source_format, table.sport, table.sport_source, strict=True))


def test_the_runners_choice_stays_through_every_later_import(store: Store):
    gpx = gpx_bytes(RUN, sport=None)  # names no sport: guessed
    assert store_files(store, ("run.gpx", gpx)) == ["imported"]
    (activity_id,) = store.activities(store.athlete().id).activity_id
    assert sports(store) == [("gpx", "run", "guessed")]
    store.set_sport(store.athlete().id, activity_id, "trail_run")
    assert sports(store) == [("gpx", "trail_run", "user")]
    # The same content again (gzipped: another file hash, the same activity id) ...
    assert store_files(store, ("run.gpx.gz", gzip.compress(gpx))) == ["duplicate"]
    # ... a richer FIT whose session is 'generic' (guessed again) ...
    assert store_files(store, ("run.fit", fit_bytes(RUN, sport=0))) == ["duplicate"]
    assert sports(store) == [("fit", "trail_run", "user")]
    # ... and a TCX that names another sport: the runner's word stands.
    assert store_files(store, ("run.tcx", tcx_bytes(RUN, sport="Biking"))) == ["duplicate"]
    table = store.activities(store.athlete().id)
    assert list(table.activity_id) == [activity_id]
    assert (table.sport[0], table.sport_source[0], table.sport_reason[0]) == (
        "trail_run", "user", "")


def test_a_guess_does_not_keep_two_records_of_one_outing_apart(store: Store):
    # The GPX is guessed a ride (freewheeling); the FIT names running (a wrong guess fixed).
    ride_gpx = gpx_bytes(RIDE, sport=None, cadence="steps")
    assert store_files(store, ("ride.gpx", ride_gpx)) == ["imported"]
    assert sports(store) == [("gpx", "ride", "guessed")]
    assert store_files(store, ("ride.fit", fit_bytes(RIDE, sport=1))) == ["duplicate"]
    assert sports(store) == [("fit", "run", "file")]


def test_a_poorer_file_that_names_the_sport_settles_a_guess(store: Store):
    assert store_files(store, ("ride.fit", fit_bytes(RIDE, sport=0))) == ["imported"]
    assert sports(store) == [("fit", "ride", "guessed")]
    assert store_files(store, ("ride.gpx", gpx_bytes(RIDE, sport="cycling"))) == ["duplicate"]
    assert sports(store) == [("fit", "ride", "file")]


def test_a_firm_sport_keeps_other_families_apart(store: Store):
    # Two files naming different sport families at the same time stay two activities.
    assert store_files(store, ("a.gpx", gpx_bytes(RIDE, sport="cycling")),
                       ("b.gpx", gpx_bytes(RIDE, sport="running", creator="other"))) == [
        "imported", "imported"]


def test_setting_a_sport_checks_what_it_is_given(store: Store):
    assert store_files(store, ("run.gpx", gpx_bytes(RUN, sport=None))) == ["imported"]
    athlete = store.athlete()
    (activity_id,) = store.activities(athlete.id).activity_id
    with pytest.raises(ValueError, match="unknown sport 'jogging'"):
        store.set_sport(athlete.id, activity_id, "jogging")
    with pytest.raises(LookupError, match="no stored activity 'nope'"):
        store.set_sport(athlete.id, "nope", "run")
    version = store.data_version(athlete.id)
    store.set_sport(athlete.id, activity_id, "run")
    assert store.data_version(athlete.id) == version + 1  # caches see the change
