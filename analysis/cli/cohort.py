"""`kneeload cohort build MANIFEST OUTDIR`: the de-identified cohort dataset, built on Dask
(analysis.cohort.build) on this machine or on the cluster a researcher already runs."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.cli.output import progress_bar
from analysis.cli.store import usage_error
from analysis.cohort.build import BuildReport, BuildSettings, build_cohort, salt_fingerprint
from analysis.cohort.dataset import is_dataset, read_manifest_json
from analysis.cohort.manifest import ManifestError, read_manifest

if TYPE_CHECKING:
    from distributed import Client

SALT_ENV = "KNEELOAD_SALT"


def add_build_command(cohort: argparse.ArgumentParser) -> None:
    """`build` under `kneeload cohort`."""
    actions = cohort.add_subparsers(dest="action", metavar="ACTION")
    build = actions.add_parser(
        "build", help="build the de-identified cohort dataset on Dask",
        description="Parse every runner's export (MANIFEST: CSV with runner_id,export_path,"
        "pain_path and optional tz,consent_date; with consent_date, runners whose date is "
        "empty or after today are left out) with the readers of `kneeload ingest`, as "
        "Dask tasks, and write partitioned Parquet to OUTDIR (activities/, daily/, weekly/, "
        "files/, … and manifest.json). Reruns redo only runners whose inputs changed; an "
        "interrupted build resumes. Runners become HMAC-SHA256 pseudonyms under the salt, "
        "dates are shifted per runner by default.")
    build.add_argument("manifest", metavar="MANIFEST", type=Path)
    build.add_argument("outdir", metavar="OUTDIR", type=Path)
    build.add_argument("--scheduler", metavar="ADDRESS",
                       help="a running Dask scheduler, e.g. tcp://host:8786 (default: a "
                       "local cluster on this machine)")
    build.add_argument("--workers", type=int, default=None,
                       help="worker processes of the local cluster (default: one per core)")
    build.add_argument("--salt-file", type=Path, metavar="PATH",
                       help="file whose bytes are the salt (keep it outside OUTDIR); also "
                       f"${SALT_ENV}. Without a salt a random one is used: the build can then "
                       "be neither reproduced nor extended")
    build.add_argument("--new-salt", action="store_true",
                       help="OUTDIR was built under another salt: build every runner again "
                       "under this one (new pseudonyms; the old ones are removed). Without it "
                       "such a build is refused")
    build.add_argument("--no-shift-dates", dest="shift_dates", action="store_false",
                       help="keep real calendar dates (makes re-identification easier)")
    build.add_argument("--dashboard-address", default=":8787",
                       help="where the local cluster serves the Dask dashboard")
    build.set_defaults(handler=run_build)


def _salt(args: argparse.Namespace) -> tuple[bytes, bool]:
    """The salt and whether it was given (False: random for this build only)."""
    if args.salt_file is not None:
        return args.salt_file.read_bytes(), True
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV].encode(), True
    return secrets.token_bytes(32), False


def _client(args: argparse.Namespace) -> Client:
    """A client of the given scheduler, or of a new local cluster (distributed is
    imported only here: every other command starts without it)."""
    from distributed import Client

    if args.scheduler:
        return Client(args.scheduler)
    return Client(n_workers=args.workers or os.cpu_count() or 1, threads_per_worker=1,
                  processes=True, dashboard_address=args.dashboard_address)


def summary(report: BuildReport, outdir: Path, resalted: bool = False) -> str:
    """The closing lines of a build, for people (`resalted`: the build replaced the
    pseudonyms of another salt)."""
    files = sum(o.files for o in report.outcomes if o.status == "built")
    failed = sum(len(o.failed_files) for o in report.outcomes)
    lines = [f"{outdir}: {len(report.outcomes)} runners — {report.count('built')} built "
             f"({files} files, {failed} failed), {report.count('unchanged')} unchanged"
             + (f", {report.removed} removed ("
                + ("the earlier salt's pseudonyms, or " if resalted else "")
                + "gone from the manifest or without consent)" if report.removed else "")
             + "."]
    if report.failed_exports:
        lines.append("Runners whose export could not be read at all (listed in files/, "
                     "not fatal): " + ", ".join(o.runner_id for o in report.failed_exports))
    return "\n".join(lines)


def run_build(args: argparse.Namespace) -> int:
    try:
        manifest = read_manifest(args.manifest)
        salt, given = _salt(args)
    except (ManifestError, OSError) as exc:
        return usage_error(exc)
    for problem in manifest.problems:
        print(f"{problem} — left out", file=sys.stderr)
    for runner, reason in manifest.without_consent:
        print(f"{args.manifest} line {runner.line}: {runner.runner_id}: {reason} — left out",
              file=sys.stderr)
    if not manifest.runners and not manifest.without_consent:  # everyone withdrawn: the
        return usage_error(f"{args.manifest}: no usable runner rows")  # build removes them
    if not given:
        print("kneeload: warning: no salt given (--salt-file or $KNEELOAD_SALT): a random "
              "one is used, so this build cannot be reproduced or extended", file=sys.stderr)
    if not args.shift_dates:
        print("kneeload: warning: dates are not shifted: real calendar dates make "
              "re-identification easier; do not share this dataset", file=sys.stderr)
    earlier = read_manifest_json(args.outdir).get("salt_fingerprint") if is_dataset(
        args.outdir) else None
    resalted = earlier is not None and earlier != salt_fingerprint(salt)
    if resalted and not args.new_salt:
        return usage_error(
            f"{args.outdir} was built under another salt (fingerprint {earlier}): give that "
            f"salt (--salt-file or ${SALT_ENV}) to extend it, or --new-salt to build every "
            "runner again under new pseudonyms")
    if resalted:
        print(f"{args.outdir}: built under another salt: every runner is built again under "
              "new pseudonyms", file=sys.stderr)
    settings = BuildSettings(salt=salt, shift_dates=args.shift_dates)
    update, close = progress_bar("parsing")
    with _client(args) as client:
        print(f"Dask dashboard: {client.dashboard_link}", file=sys.stderr)
        try:
            report = build_cohort(manifest.runners, args.outdir, client, settings, update,
                                  without_consent=len(manifest.without_consent))
        finally:
            close()
    for outcome in report.outcomes:
        for failure in outcome.failed_files:
            print(f"{outcome.runner_id}: {failure}", file=sys.stderr)
    print(summary(report, args.outdir, resalted))
    return 0
