"""Broken and hostile input: every bad file gives one message naming it and the problem, the
rest of the import goes on, and nothing is expanded, fetched or written.

Each case reads the bad file together with a good generated GPX through `read_sources` and
checks both outcomes. Every test runs in an empty working directory and temp directory that
must still be empty afterwards.
"""

import gzip
import http.server
import io
import os
import struct
import subprocess
import sys
import tempfile
import threading
import tracemalloc
import uuid
import warnings
import zipfile
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import FileResult, ReadOptions, read_sources
from analysis.ingest.decompress import Limits, MiB
from analysis.ingest.errors import IngestError
from analysis.ingest.fitcrc import fit_crc
from analysis.ingest.gpx import read_gpx
from analysis.synth import fit_bytes, gpx_bytes, strava_csv_bytes, synth_run, tcx_bytes, zip_of
from tests.conftest import ROOT, sample

GOOD = "good.gpx"
GPX_NS = "http://www.topografix.com/GPX/1/1"
REFUSED_DTD = ("refused: XML with a DOCTYPE or entity declarations (GPX and TCX never need "
               "them; they can hide entity bombs or read other files)")
UNSAFE = "refused: unsafe path in the archive (absolute or '..')"
NESTED = "a zip archive inside an archive is not read"
# A run of 300 s sampled every second: 301 points.
POINTS = 301


@pytest.fixture(scope="module")
def run():
    return synth_run(np.random.default_rng(3), "2024-06-01 07:00", duration_s=300)


@pytest.fixture(scope="module")
def good(run):
    return gpx_bytes(run)


@pytest.fixture(autouse=True)
def sealed(tmp_path, monkeypatch):
    """An empty working directory and temp directory, both still empty after the test."""
    cwd, tmp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    yield SimpleNamespace(cwd=cwd, tmp=tmp)
    assert sorted(cwd.iterdir()) == []
    assert sorted(tmp.iterdir()) == []


@pytest.fixture
def inputs(tmp_path):
    """Where a test writes the files it imports (outside the sealed directories)."""
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


def read_mix(bad, good: bytes, limits: Limits | None = None) -> dict[str, FileResult]:
    """Read `bad` (one source) with the good GPX; check the good one and return the others."""
    options = ReadOptions(workers=1, limits=limits or Limits())
    results = {r.file: r for r in read_sources([bad, (GOOD, good)], options)}
    kept = results.pop(GOOD)
    assert kept.error is None
    (activity,) = kept.activities
    assert activity.summary["n_samples"] == POINTS
    return results


def failures(results: dict[str, FileResult]) -> dict[str, str | None]:
    return {name: result.error for name, result in results.items()}


def everything(results) -> str:
    """All text a result carries (names, errors, warnings, summaries, samples)."""
    parts = []
    for result in results:
        parts += [result.file, str(result.error), *result.warnings]
        for activity in result.activities:
            parts += [str(v) for v in activity.summary.values()]
            if activity.samples is not None:
                parts.append(activity.samples.to_csv())
    return "\n".join(parts)


# --- empty, cut and damaged files ---------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b" \n\t\x00\x00"])
def test_empty_file(good, data):
    assert failures(read_mix(("empty.gpx", data), good)) == {"empty.gpx": "the file is empty"}


@pytest.mark.parametrize("cut", [5, 0.5, -4])  # inside the header, the data, the trailer
def test_truncated_gzip(good, cut):
    data = gzip.compress(good)
    end = int(len(data) * cut) if isinstance(cut, float) else cut
    result = read_mix(("cut.gpx.gz", data[:end]), good)
    assert failures(result) == {"cut.gpx.gz": "gzip data ends early (truncated download?)"}


def test_damaged_gzip(good):
    data = bytearray(gzip.compress(good))
    data[40:60] = b"\xff" * 20  # inside the deflate stream
    (error,) = failures(read_mix(("bad.gpx.gz", bytes(data)), good)).values()
    assert error.startswith("damaged gzip data (Error -3 while decompressing data")


# Generated FIT layout (little-endian): 14-byte header; file_id definition (1 + 5 + 4 × 3 =
# 18 bytes) and message (1 + 1 + 2 + 2 + 4 = 10); event definition (1 + 5 + 3 × 3 = 15) and
# message (1 + 4 + 1 + 1 = 7); record definition (1 + 5 + 8 × 3 = 30). Records start at
# 14 + 18 + 10 + 15 + 7 + 30 = 94, each 1 + 4 × 5 + 3 = 24 bytes; heart rate at byte 21.
FIRST_RECORD = 94
RECORD_SIZE = 24
HR_AT = 21


def test_truncated_generated_fit_reads_up_to_the_cut(run, good):
    cut = fit_bytes(run)[:FIRST_RECORD + 100 * RECORD_SIZE + 10]  # 100 records and a bit
    results = read_mix(("cut.fit", cut), good)
    assert failures(results) == {"cut.fit": None}
    (activity,) = results["cut.fit"].activities
    s = activity.summary
    assert s["n_samples"] == 100
    assert s["elapsed_time_s"] == 99.0  # records 0..99, one second apart
    # No session message survived: the distance is the device's own at record 99 (cm).
    assert s["distance_m"] == pytest.approx(round(run.distance[99] * 100) / 100)
    assert s["warnings"].startswith(f"file ends early (cut at byte {len(cut)} of 7403)")


def test_truncated_real_fit_reads_what_fitdecode_reads(good):
    data = sample("fit/fitparse__activity-small-fenix2-run.fit").read_bytes()
    cut = data[:len(data) // 2]
    results = read_mix(("half.fit", cut), good)
    assert failures(results) == {"half.fit": None}
    (activity,) = results["half.fit"].activities
    # fitdecode yields 1412 record messages from this half before its FitEOFError.
    assert activity.summary["n_samples"] == 1412
    assert "file ends early (cut at byte 60919 of 121839)" in activity.summary["warnings"]


def test_crc_broken_fit_is_read_with_a_warning(run, good):
    data = bytearray(fit_bytes(run))
    data[FIRST_RECORD + HR_AT] = 200  # first record's heart rate (was 120)
    results = read_mix(("crc.fit", bytes(data)), good)
    assert failures(results) == {"crc.fit": None}
    (activity,) = results["crc.fit"].activities
    s = activity.summary
    assert s["n_samples"] == POINTS
    assert s["max_heart_rate_bpm"] == 200.0  # the damaged byte is read as it is
    assert s["warnings"] == "checksum (CRC) does not match; the data may be damaged"


NOT_GPX = "named .gpx, but the content is not GPX (XML): "


@pytest.mark.parametrize(("data", "error"), [
    (b"this is not XML at all", NOT_GPX + "it is plain text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", NOT_GPX + "not a GPX, TCX, FIT or CSV file"),
    # binary with a comma before its first newline is not text
    (bytes(range(1, 40)) * 8, NOT_GPX + "not a GPX, TCX, FIT or CSV file"),
    (b"<html><body>Not found</body></html>", NOT_GPX + "XML, but neither GPX nor TCX"),
    (b"date,pain\n2024-01-01,3\n", NOT_GPX + "it is plain text"),  # text named .gpx
])
def test_not_xml_named_gpx(good, data, error):
    assert failures(read_mix(("text.gpx", data), good)) == {"text.gpx": error}


def test_not_a_zip_named_zip(good):
    noise = bytes(range(1, 40)) * 8
    assert failures(read_mix(("export.zip", noise), good)) == {
        "export.zip": "named .zip, but the content is not a zip archive: not a GPX, TCX, FIT "
                      "or CSV file"}


def test_broken_xml_named_gpx(good):
    (error,) = failures(read_mix(("cut.gpx", b"<gpx><trk><trkseg><trkpt lat='1'"), good)).values()
    assert error.startswith("not well-formed XML (")  # libxml2's own words follow


# --- XML entities and DTDs ----------------------------------------------------------------

LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BODY = (f'<gpx version="1.1" xmlns="{GPX_NS}"><trk><name>&x;</name><trkseg>'
        '<trkpt lat="1" lon="1"><time>2024-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>')
PAD = "<!--" + "x" * 6000 + "-->"  # the DOCTYPE used to be looked for in the first 4 KiB only


def xml_doc(doctype: str, pad: bool = False) -> str:
    return '<?xml version="1.0"?>' + (PAD if pad else "") + doctype + BODY


@pytest.fixture(scope="module")
def web():
    """A local HTTP server that records every request it gets."""
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY x "FETCHED">')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}", requests=requests)
    server.shutdown()


@pytest.mark.parametrize("pad", [False, True])
def test_billion_laughs_is_refused(good, pad):
    doc = xml_doc(f'<!DOCTYPE gpx [<!ENTITY lol0 "lol">{LAUGHS}<!ENTITY x "&lol9;">]>', pad)
    results = read_mix(("laughs.gpx", doc.encode()), good)
    assert failures(results) == {"laughs.gpx": REFUSED_DTD}
    assert "lollol" not in everything(results.values())


@pytest.mark.parametrize("pad", [False, True])
@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE gpx [<!ENTITY x SYSTEM "{url}/x">]>',
    '<!DOCTYPE gpx SYSTEM "{url}/dtd">',
    '<!DOCTYPE gpx [<!ENTITY % p SYSTEM "{url}/p"> %p;]>',
    '<!DOCTYPE gpx SYSTEM "{secret}">',
    '<!DOCTYPE gpx [<!ENTITY % p SYSTEM "{secret}"> %p;]>',
])
def test_external_entities_are_neither_read_nor_fetched(good, web, inputs, doctype, pad):
    secret = inputs / "secret.dtd"
    secret.write_text('<!ENTITY x "SECRET-42">')
    doc = xml_doc(doctype.format(url=web.url, secret=secret.as_uri()), pad)
    results = read_mix(("xxe.gpx", doc.encode()), good)
    assert failures(results) == {"xxe.gpx": REFUSED_DTD}
    text = everything(results.values())
    assert "root:" not in text and "SECRET-42" not in text and "FETCHED" not in text
    assert web.requests == []


@pytest.mark.parametrize("target", ["{secret}", "{url}/dtd"])
def test_doctype_in_utf16_is_refused_after_parsing_without_outside_access(web, inputs, target):
    # Bytes-level checks cannot see a UTF-16 DOCTYPE; the parser itself must not read
    # outside files (libxml2 would load this external subset), and the DOCTYPE is refused.
    secret = inputs / "secret.dtd"
    secret.write_text('<!ENTITY x "SECRET-42">')
    url = target.format(secret=secret.as_uri(), url=web.url)
    doc = ('<?xml version="1.0" encoding="UTF-16"?>'
           f'<!DOCTYPE gpx SYSTEM "{url}">{BODY}').encode("utf-16")
    with pytest.raises(IngestError) as error:
        read_gpx("u16.gpx", doc)
    assert error.value.reason == REFUSED_DTD
    assert web.requests == []


# --- zip and gzip bombs -------------------------------------------------------------------

RATIO = Limits(max_ratio=20.0, ratio_floor_bytes=256 * 1024)
SIZE = Limits(max_file_bytes=2 * MiB, max_ratio=1e9)



def test_zip_bomb_refused_by_ratio(good):
    bomb = zip_of({"bomb.gpx": b"\0" * MiB, "ok.gpx": good})  # 1 MiB -> about 1 KiB
    results = read_mix(("bomb.zip", bomb), good, RATIO)
    assert failures(results) == {
        "bomb.zip:bomb.gpx": "refused: expands more than 20× (possible zip/gzip bomb)",
        "bomb.zip:ok.gpx": None}


def test_zip_bomb_refused_by_size(good):
    noise = np.random.default_rng(0).bytes(3 * MiB)  # incompressible: ratio about 1
    results = read_mix(("big.zip", zip_of({"big.gpx": noise})), good, SIZE)
    assert failures(results) == {
        "big.zip:big.gpx": "refused: decompresses to more than 2 MiB (possible zip/gzip bomb)"}


def test_zip_bomb_with_forged_sizes_stops_at_the_stated_size(good):
    # The directory says 100 bytes; the data inflates to 1 MiB. zipfile stops at the stated
    # size and the CRC then fails: nothing beyond 100 bytes is produced.
    data = bytearray(zip_of({"bomb.gpx": b"\0" * MiB}))
    for signature, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local, central header
        start = data.index(signature)
        struct.pack_into("<I", data, start + at, 100)
    results = read_mix(("forged.zip", bytes(data)), good, RATIO)
    assert failures(results) == {
        "forged.zip:bomb.gpx": "damaged archive member (Bad CRC-32 for file 'bomb.gpx')"}


def test_zip_import_refused_past_its_total(run, good):
    # Each member is the same 1-hour GPX; the total limit lets two of them through.
    hour = gpx_bytes(synth_run(np.random.default_rng(4), "2024-06-02 07:00"))
    limits = Limits(max_total_bytes=2 * len(hour) + 1000)
    members = {f"run{i}.gpx": hour for i in range(1, 5)}
    results = read_mix(("many.zip", zip_of(members)), good, limits)
    over = f"refused: the import decompresses to more than {limits.max_total_bytes // MiB} " \
           "MiB in total"
    assert failures(results) == {"many.zip:run1.gpx": None, "many.zip:run2.gpx": None,
                                 "many.zip:run3.gpx": over, "many.zip:run4.gpx": over}


@pytest.mark.parametrize(("limits", "error"), [
    (RATIO, "refused: expands more than 20× (possible zip/gzip bomb)"),
    (SIZE, "refused: decompresses to more than 2 MiB (possible zip/gzip bomb)"),
])
def test_gzip_bomb_refused(good, limits, error):
    bomb = gzip.compress(b"\0" * 4 * MiB)
    assert failures(read_mix(("bomb.gpx.gz", bomb), good, limits)) == {"bomb.gpx.gz": error}


def test_gzip_bomb_default_limits_refused_without_inflating_it_all(good):
    content = 20 * MiB
    bomb = gzip.compress(b"\0" * content, 9)  # about 20 KiB
    tracemalloc.start()
    try:
        results = read_mix(("bomb.gpx.gz", bomb), good)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert failures(results) == {
        "bomb.gpx.gz": "refused: expands more than 200× (possible zip/gzip bomb)"}
    # Refused once past 8 MiB (the ratio floor) at the next 4 MiB step: 12 MiB produced,
    # never the whole 20 MiB.
    assert peak < content


# --- archive paths, encryption, nesting ---------------------------------------------------

def test_zip_member_paths_outside_are_refused_and_nothing_is_written(good, inputs, tmp_path,
                                                                      sealed):
    absolute = f"/tmp/kneeload-{uuid.uuid4().hex}.gpx"
    unsafe = ["../evil.gpx", "sub/../../evil.gpx", absolute, "..\\evil.gpx", "C:/evil.gpx"]
    archive = inputs / "export.zip"
    archive.write_bytes(zip_of({**dict.fromkeys(unsafe, good), "ok.gpx": good}))
    results = read_mix(archive, good)
    assert failures(results) == {**{f"export.zip:{n}": UNSAFE for n in unsafe},
                                 "export.zip:ok.gpx": None}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "in", "tmp"]
    assert [p.name for p in inputs.iterdir()] == ["export.zip"]
    assert not Path(absolute).exists()
    assert not (sealed.cwd.parent / "evil.gpx").exists()


def test_export_folder_filenames_outside_are_not_read(run, good, inputs):
    outside = inputs / "outside.gpx"  # a readable file next to the export
    outside.write_bytes(good)
    export = inputs / "export"
    (export / "activities").mkdir(parents=True)
    rows = [{"activity_id": i, "start": run.start, "type": "Run", "distance_m": 5000.0,
             "elapsed_s": 1800, "filename": name}
            for i, name in ((1, "../outside.gpx"), (2, str(outside)),
                            (3, "activities/../../outside.gpx"))]
    (export / "activities.csv").write_bytes(strava_csv_bytes(rows))
    results = {r.file: r for r in read_sources([export], ReadOptions(workers=1))}
    assert failures(results) == {"export/activities.csv": None,
                                 "../outside.gpx": "refused: unsafe path",
                                 str(outside): "refused: unsafe path",
                                 "activities/../../outside.gpx": "refused: unsafe path"}
    for name in ("../outside.gpx", str(outside), "activities/../../outside.gpx"):
        (activity,) = results[name].activities  # the row's own values, not the file's
        assert (activity.summary["origin"], activity.summary["n_samples"]) == ("csv", 0)
        assert activity.summary["distance_m"] == 5000.0


def zip_crypto(members: list[tuple[str, bytes, bytes | None]]) -> bytes:
    """A zip of stored members, those with a password encrypted with traditional PKWARE
    encryption (ZipCrypto). zipfile reads such members but cannot write them."""

    def crc(value: int, byte: int) -> int:
        return zlib.crc32(bytes([byte]), value ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    def encrypt(data: bytes, password: bytes, check: int) -> bytes:
        keys = [0x12345678, 0x23456789, 0x34567890]

        def update(byte: int) -> None:
            keys[0] = crc(keys[0], byte)
            keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
            keys[2] = crc(keys[2], keys[1] >> 24)

        for byte in password:
            update(byte)
        out = bytearray()
        for byte in bytes(11) + bytes([check]) + data:
            temp = (keys[2] | 2) & 0xFFFF
            out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
            update(byte)
        return bytes(out)

    body, directory = bytearray(), bytearray()
    for name, data, password in members:
        checksum = zlib.crc32(data)
        stored = encrypt(data, password, checksum >> 24) if password else data
        fields = (20, 1 if password else 0, 0, 0, 0x21, checksum, len(stored), len(data),
                  len(name), 0)
        directory += struct.pack("<4sH", b"PK\x01\x02", 20) + struct.pack("<HHHHHIIIHH", *fields)
        directory += struct.pack("<HHHII", 0, 0, 0, 0, len(body)) + name.encode()
        body += struct.pack("<4s", b"PK\x03\x04") + struct.pack("<HHHHHIIIHH", *fields)
        body += name.encode() + stored
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members),
                      len(directory), len(body), 0)
    return bytes(body + directory + end)


def test_encrypted_member_is_refused(good):
    data = zip_crypto([("secret.gpx", good, b"hunter2"), ("ok.gpx", good, None)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # really encrypted, and well-formed
        assert archive.getinfo("secret.gpx").flag_bits & 0x1
        assert archive.read("secret.gpx", pwd=b"hunter2") == good
    results = read_mix(("locked.zip", data), good)
    assert failures(results) == {"locked.zip:secret.gpx": "encrypted archive member",
                                 "locked.zip:ok.gpx": None}


def test_encrypted_activities_csv_does_not_stop_the_export(run, good):
    rows = [{"activity_id": 1, "start": run.start, "distance_m": 5000.0,
             "filename": "activities/1.gpx"}]
    data = zip_crypto([("activities.csv", strava_csv_bytes(rows), b"pw"),
                       ("activities/1.gpx", good, None)])
    results = read_mix(("export.zip", data), good)
    assert failures(results) == {"export.zip:activities.csv": "encrypted archive member",
                                 "export.zip:activities/1.gpx": None}


def test_nested_archives_are_not_opened(good):
    inner = zip_of({"inner.gpx": good})
    outer = zip_of({"inner.zip": inner, "disguised.gpx": inner,
                    "zipped.gpx.gz": gzip.compress(inner), "ok.gpx": good})
    results = read_mix(("outer.zip", outer), good)
    assert failures(results) == {
        "outer.zip:inner.zip": NESTED, "outer.zip:disguised.gpx": NESTED,
        "outer.zip:zipped.gpx.gz": "a zip archive inside a gzip file is not read",
        "outer.zip:ok.gpx": None}


@pytest.mark.parametrize("part", [0.5, 0.9])
def test_cut_zip_is_one_error(good, inputs, part):
    data = zip_of({"a.gpx": good, "b.gpx": good})
    cut = inputs / "export.zip"
    cut.write_bytes(data[:int(len(data) * part)])  # lost its directory at the end
    results = read_mix(cut, good)
    assert failures(results) == {
        "export.zip": "damaged or incomplete zip archive (File is not a zip file)"}


def test_damaged_zip_member_is_one_error(good):
    data = bytearray(zip_of({"a.gpx": good, "b.gpx": good}))
    data[100:140] = b"\xff" * 40  # inside a.gpx's deflate data
    (error, ok) = failures(read_mix(("export.zip", bytes(data)), good)).values()
    assert error.startswith("damaged archive member (Error -3 while decompressing data")
    assert ok is None


# --- CSV encodings ------------------------------------------------------------------------

def german_rows(count: int, name: str = "Müde Beine") -> list[dict]:
    start = pd.Timestamp("2024-03-01 06:30", tz="UTC")
    return [{"activity_id": i, "start": start + pd.Timedelta(days=i), "name": name,
             "type": "Run", "distance_m": 5000.0 + i, "elapsed_s": 1800, "moving_s": 1750}
            for i in range(count)]


@pytest.mark.parametrize(("encoding", "note"), [
    ("cp1252", "not UTF-8; read as Windows-1252"),
    ("utf-16", "read as UTF-16"),  # little-endian with BOM
    ("utf-16-be", "read as UTF-16"),
])
def test_csv_in_an_unexpected_encoding(good, encoding, note):
    text = strava_csv_bytes(german_rows(2), language="de").decode()
    data = (b"\xfe\xff" if encoding == "utf-16-be" else b"") + text.encode(encoding)
    results = read_mix(("activities.csv", data), good)
    result = results["activities.csv"]
    assert (result.error, result.warnings) == (None, [note])
    assert [a.summary["name"] for a in result.activities] == ["Müde Beine", "Müde Beine"]
    assert [a.summary["distance_m"] for a in result.activities] == [5000.0, 5001.0]


def test_utf8_csv_cut_inside_a_character_at_64_kib():
    # The first 64 KiB decide Strava or Garmin; 'ü' is 2 bytes in UTF-8. Rows are padded so
    # that byte 65536 falls inside one: that prefix used to be read as Windows-1252, so the
    # German headers were not recognised and the whole file was refused.
    for pad in range(8):
        data = strava_csv_bytes(german_rows(1000, "x" * pad + "ü" * 16), language="de")
        try:
            data[:65536].decode("utf-8")
        except UnicodeDecodeError:
            break
    else:
        pytest.fail("no padding puts byte 65536 inside a character")
    (result,) = read_sources([("activities.csv", data)], ReadOptions(workers=1))
    assert (result.error, len(result.activities)) == (None, 1000)


def test_utf16_csv_cut_mid_character(good):
    data = strava_csv_bytes(german_rows(2), language="de").decode().encode("utf-16")
    result = read_mix(("activities.csv", data[:-1]), good)["activities.csv"]
    assert result.error is None
    assert [a.summary["distance_m"] for a in result.activities] == [5000.0, 5001.0]


def test_csv_lines_that_cannot_be_split_are_skipped_and_said(good):
    rows = strava_csv_bytes(german_rows(3)).split(b"\n")
    rows[2] += b",extra"  # line 3: one field too many
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may go to stderr on its own
        result = read_mix(("activities.csv", b"\n".join(rows)), good)["activities.csv"]
    assert result.error is None
    assert [a.summary["distance_m"] for a in result.activities] == [5000.0, 5002.0]
    assert result.warnings == ["Skipping line 3: Expected 17 fields in line 3, saw 18"]


def test_csv_row_with_a_damaged_date_is_skipped_not_the_list(good):
    # Three good rows and one whose date is garbage: the format that reads 3 of 4 values
    # is used, the damaged row is skipped and named (it once refused the whole list,
    # quoting a good date as the unknown format).
    data = strava_csv_bytes(german_rows(3)) + b'9,"Ma 32, 2024, 25:61:00 XM",x,Run\n'
    result = read_mix(("activities.csv", data), good)["activities.csv"]
    assert (result.error, len(result.activities)) == (None, 3)
    assert result.warnings == ["line 5: no activity id or date; skipped"]


def test_csv_whose_dates_are_mostly_unreadable_names_one(good):
    # 'today' is no date either (pandas would read it as the current time).
    data = strava_csv_bytes(german_rows(1)) + b"8,yesterday,Run\n9,today,Run\n"
    assert failures(read_mix(("activities.csv", data), good)) == {
        "activities.csv": "dates such as 'yesterday' are in a format kneeload does not know"}


def test_csv_with_carriage_returns_only(good):
    data = strava_csv_bytes(german_rows(2)).replace(b"\n", b"\r")  # old Mac line ends
    (error,) = failures(read_mix(("activities.csv", data), good)).values()
    assert error.startswith("CSV header line could not be read (new-line character seen")


# --- tracks without time or points --------------------------------------------------------

NO_TIME = "the track has no usable timestamps, so it cannot be placed on a date"


@pytest.mark.parametrize("variant", ["gpx", "tcx", "gpx-1901"])
def test_track_without_timestamps(run, good, variant):
    if variant == "gpx":
        data = gpx_bytes(run).replace(b"<time>", b"<desc>").replace(b"</time>", b"</desc>")
    elif variant == "tcx":
        data = tcx_bytes(run).replace(b"<Time>", b"<Notes>").replace(b"</Time>", b"</Notes>")
    else:  # placeholder dates are not times
        data = gpx_bytes(synth_run(np.random.default_rng(3), "1901-01-01", duration_s=300))
    assert failures(read_mix((f"t.{variant[:3]}", data), good)) == {f"t.{variant[:3]}": NO_TIME}


def fit_of(body: bytes) -> bytes:
    """A FIT file around `body` (14-byte header with its CRC, data CRC at the end)."""
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    data = header + struct.pack("<H", fit_crc(header)) + body
    return data + struct.pack("<H", fit_crc(data))


@pytest.mark.parametrize(("name", "make", "error"), [
    ("zero.gpx", lambda run: f'<gpx version="1.1" xmlns="{GPX_NS}"><trk><trkseg/></trk>'
                             "</gpx>".encode(),
     "no track points (the file holds only waypoints or routes)"),
    ("zero.tcx", lambda run: tcx_bytes(run).split(b"<Track>")[0] + b"<Track></Track></Lap>"
                             b"</Activity></Activities></TrainingCenterDatabase>",
     "no track points (a course or an empty activity)"),
    # file_id and event messages only (bytes 14..94, see the layout above)
    ("zero.fit", lambda run: fit_of(fit_bytes(run)[14:FIRST_RECORD - 30]),
     "no activity records in this FIT file"),
])
def test_file_of_zero_points(run, good, name, make, error):
    assert failures(read_mix((name, make(run)), good)) == {name: error}


# --- the command line ---------------------------------------------------------------------

@pytest.mark.slow  # a fresh interpreter and its worker processes
def test_cli_parse_on_a_folder_of_good_and_bad_files(run, good, inputs, sealed):
    other = synth_run(np.random.default_rng(8), "2024-06-03 07:00", duration_s=300)
    files = {
        "a.gpx": good, "b.fit": fit_bytes(other), "c.tcx.gz": gzip.compress(tcx_bytes(run)),
        "d.gpx.gz": gzip.compress(gpx_bytes(other)), "e.fit.gz": gzip.compress(fit_bytes(run)),
        "empty.gpx": b"", "cut.gpx.gz": gzip.compress(good)[:500],
        "junk.fit": b"not a fit file", "laughs.gpx": xml_doc(f"<!DOCTYPE gpx [{LAUGHS}]>")
        .encode(), "nested.zip": zip_of({"x.gpx": good}),
        "list.csv": strava_csv_bytes(german_rows(2)) + b"9,extra,line\n",  # a line skipped
    }
    folder = inputs / "mixed"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", "from analysis.cli import main; raise SystemExit(main())",
         "parse", str(folder)], capture_output=True, text=True, cwd=sealed.cwd, timeout=120,
        env={**os.environ, "TMPDIR": str(sealed.tmp), "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(io.StringIO(done.stdout))
    assert sorted(table["source_file"]) == [f"mixed/{n}" for n in
                                            ("a.gpx", "b.fit", "c.tcx.gz", "d.gpx.gz",
                                             "e.fit.gz", "list.csv", "list.csv")]
    assert sorted(done.stderr.splitlines()) == [
        "mixed/cut.gpx.gz: gzip data ends early (truncated download?)",
        "mixed/empty.gpx: the file is empty",
        "mixed/junk.fit: named .fit, but the content is not FIT (no FIT header): it is plain "
        "text",
        f"mixed/laughs.gpx: {REFUSED_DTD}",
        "mixed/list.csv: line 4: no activity id or date; skipped",  # said, not only in JSON
        f"mixed/nested.zip: {NESTED}",
    ]


def test_a_small_file_reads_under_a_tight_memory_cap(tmp_path):
    """The per-file limit (512 MiB) is a cap, not a buffer: a small GPX must read in a
    process allowed only 300 MiB more address space than it already has."""
    path = tmp_path / "small.gpx"
    path.write_bytes(gpx_bytes(synth_run(np.random.default_rng(2), "2024-05-01 07:00",
                                         duration_s=60)))
    code = (
        "import resource, sys\n"
        "from analysis.ingest import ReadOptions\n"
        "from analysis.ingest.dispatch import read_path\n"
        "pages = int(open('/proc/self/statm').read().split()[0])\n"
        "cap = pages * resource.getpagesize() + 300 * 2**20\n"
        "resource.setrlimit(resource.RLIMIT_AS, (cap, cap))\n"
        f"result = read_path({str(path)!r}, 'small.gpx', ReadOptions(workers=1))\n"
        "print(result.error, len(result.activities))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.stdout.split() == ["None", "1"], done.stderr
