"""FIT: our numpy decoder against fitdecode on every sample, plus the edge cases."""

import io
import struct

import fitdecode
import numpy as np
import pandas as pd
import pytest

from analysis.ingest import ReadOptions
from analysis.ingest.dispatch import read_bytes
from analysis.ingest.errors import IngestError
from analysis.ingest.fit import FIT_EPOCH_S, SEMICIRCLE_DEG, decode_records, read_fit
from analysis.ingest.fitcrc import fit_crc
from analysis.ingest.summarise import summarise
from analysis.synth import fit_bytes, synth_run
from tests.conftest import sample

FIT_SAMPLES = ["fit/fitparse__garmin-fenix-5-run.fit",
               "fit/fitparse__activity-small-fenix2-run.fit",
               "fit/gap__2022-05-29-15-53-35_Laufen_Landal_Park.fit",
               "fit/tormoder__mornindew-broken.fit", "fit/fitparse__sample_mulitple_header.fit",
               "fit/sweatpy__6471559601_ACTIVITY.fit", "fit/sweatpy__4078723797.fit",
               "fit/fitparse__strava-android-app-201.10-b1218918.fit"]


def fitdecode_records(data: bytes) -> list[dict]:
    """Record messages as fitdecode reads them (stopping where fitdecode gives up)."""
    rows = []
    try:
        with fitdecode.FitReader(io.BytesIO(data),
                                 check_crc=fitdecode.CrcCheck.DISABLED) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                    rows.append({f.name: f.value for f in frame.fields})
    except fitdecode.FitError:
        pass
    return rows


def reference(rows: list[dict], name: str) -> np.ndarray:
    values = [row.get(name) for row in rows]
    if name == "timestamp":
        return np.array([v.timestamp() if v else np.nan for v in values])
    return np.array([np.nan if v is None else float(v) for v in values])


@pytest.mark.parametrize("relative", FIT_SAMPLES)
def test_records_match_fitdecode(relative):
    data = sample(relative).read_bytes()
    ours, _ = decode_records(relative, data)
    theirs = fitdecode_records(data)
    assert len(ours["timestamp"]) == len(theirs) > 0
    np.testing.assert_allclose(ours["timestamp"] + FIT_EPOCH_S, reference(theirs, "timestamp"))
    for name in ("position_lat", "position_long", "heart_rate", "cadence", "distance",
                 "fractional_cadence"):
        if name in ours:
            np.testing.assert_allclose(ours[name], reference(theirs, name), atol=1e-9,
                                       err_msg=name)
    if "enhanced_altitude" in ours:
        np.testing.assert_allclose(ours["enhanced_altitude"],
                                   reference(theirs, "enhanced_altitude"), atol=1e-6)


@pytest.mark.parametrize("relative", FIT_SAMPLES[:4])
def test_distance_within_one_percent_of_session(relative):
    (raw,) = read_fit(relative, sample(relative).read_bytes())
    s = summarise(raw, "id", ReadOptions()).summary
    assert s["distance_m"] == pytest.approx(raw.summary_distance_m, rel=0.01)


def test_fenix5_cadence_matches_device_average():
    (raw,) = read_fit("f.fit", sample("fit/fitparse__garmin-fenix-5-run.fit").read_bytes())
    s = summarise(raw, "id", ReadOptions()).summary
    # Session: avg_running_cadence 83 + avg_fractional_cadence 0.671875 strides/min
    # = 167.34 steps/min. A 57 s run: we agree within 3 %.
    assert s["avg_cadence_spm"] == pytest.approx(2 * (83 + 0.671875), rel=0.03)
    assert s["cadence_source"] == "fit:record.cadence+fractional_cadence"
    assert (s["tz_source"], s["utc_offset_min"]) == ("file", -420)  # PDT


def test_strava_export_fit_cadence_is_total_steps_per_minute():
    data = sample("csv/strava_export_geo-activity-playground/activities/12866632127.fit.gz")
    result = read_bytes("12866632127.fit.gz", data.read_bytes(), ReadOptions())
    (activity,) = result.activities
    s = activity.summary
    # activities.csv: Total Steps 3344 over Moving Time 1411 s = 142.20 steps/min.
    assert s["avg_cadence_spm"] == pytest.approx(3344 / (1411 / 60), rel=0.005)
    assert s["distance_m"] == pytest.approx(3322.95, rel=0.001)
    assert s["local_date"] == pd.Timestamp("2022-05-29") and s["utc_offset_min"] == 120


def test_multisport_file_gives_one_activity_per_session():
    data = sample("fit/fitparse__sample_mulitple_header.fit").read_bytes()
    sessions = [summarise(r, "id" + r.id_suffix, ReadOptions()).summary
                for r in read_fit("tri.fit", data)]
    # swim, (transition), ride, (transition), run: transitions are dropped.
    assert [s["sport"] for s in sessions] == ["other", "ride", "run"]
    assert [s["activity_id"] for s in sessions] == ["id-s1", "id-s3", "id-s5"]
    run = sessions[2]
    assert run["distance_m"] == pytest.approx(9805.92, rel=0.01)
    assert run["avg_cadence_spm"] > 150


def test_truncated_strava_app_file_reads_what_is_valid():
    data = sample("fit/fitparse__strava-android-app-201.10-b1218918.fit").read_bytes()
    records, warnings = decode_records("s.fit", data)
    assert len(records["timestamp"]) == 473  # what the Garmin SDK also recovers
    assert any("used before it was defined" in w for w in warnings)
    (raw,) = read_fit("s.fit", data)
    s = summarise(raw, "id", ReadOptions()).summary
    # The session message (written early by the app) states 11.27 km; records stop early.
    assert s["distance_m"] == pytest.approx(11274.04)
    assert "using the summary" in s["warnings"]


# --- generated files ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def run():
    return synth_run(np.random.default_rng(7), "2024-03-04 07:00", duration_s=300)


@pytest.mark.parametrize("options", [{}, {"compressed_timestamps": True},
                                     {"big_endian": True},
                                     {"compressed_timestamps": True, "big_endian": True}])
def test_generated_variants_decode_exactly(run, options):
    data = fit_bytes(run, **options)
    records, warnings = decode_records("g.fit", data)
    assert warnings == []
    np.testing.assert_array_equal(records["timestamp"] + FIT_EPOCH_S, np.round(run.epoch_s))
    np.testing.assert_allclose(records["position_lat"] * SEMICIRCLE_DEG, run.lat, atol=1e-7)
    np.testing.assert_allclose(records["enhanced_altitude"], run.elevation, atol=0.1)
    np.testing.assert_allclose(records["distance"], run.distance, atol=0.006)
    theirs = fitdecode_records(data)
    np.testing.assert_allclose(records["timestamp"] + FIT_EPOCH_S,
                               reference(theirs, "timestamp"))


def test_generated_summary(run):
    (raw,) = read_fit("g.fit", fit_bytes(run, local_offset_min=60))
    s = summarise(raw, "id", ReadOptions()).summary
    assert s["distance_m"] == pytest.approx(run.distance[-1], abs=0.01)
    assert s["elapsed_time_s"] == 300.0
    # Cadence written as floor(strides) + fraction/128: within 1/128 stride of the truth.
    assert s["avg_cadence_spm"] == pytest.approx(run.cadence_spm[1:].mean(), abs=0.02)
    assert (s["utc_offset_min"], s["tz_source"]) == (60, "file")


def test_crc_damage_is_a_warning(run):
    data = bytearray(fit_bytes(run))
    data[400] ^= 0xFF  # inside the records
    records, warnings = decode_records("c.fit", bytes(data))
    assert warnings == ["checksum (CRC) does not match; the data may be damaged"]
    assert len(records["timestamp"]) == len(run.t)


def test_cut_file_reads_up_to_the_cut(run):
    data = fit_bytes(run)[:1500]
    records, warnings = decode_records("cut.fit", data)
    assert 0 < len(records["timestamp"]) < len(run.t)
    assert warnings[0].startswith("file ends early")
    (raw,) = read_fit("cut.fit", data)
    assert "no session summary" in raw.warnings[-1]


def test_vectorised_crc_matches_the_fit_reference():
    table = [0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
             0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400]

    def reference_crc(data: bytes) -> int:  # the FIT SDK's nibble-wise algorithm
        crc = 0
        for byte in data:
            for nibble in (byte & 0xF, byte >> 4):
                tmp = table[crc & 0xF]
                crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ table[nibble]
        return crc

    rng = np.random.default_rng(3)
    for size in (0, 1, 255, 256, 257, 3000):
        blob = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        assert fit_crc(blob) == reference_crc(blob)


def test_not_an_activity_file():
    header = struct.pack("<BBHI4s", 12, 0x10, 100, 0, b".FIT")
    body = bytes([0x40, 0, 0, 0, 0, 1, 0, 1, 0x00]) + bytes([0x00, 2])  # file_id type=settings
    data = header[:4] + struct.pack("<I", len(body)) + header[8:] + body
    data += struct.pack("<H", fit_crc(data))
    with pytest.raises(IngestError, match="a FIT settings file, not an activity"):
        read_fit("settings.fit", data)
