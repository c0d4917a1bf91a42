"""The Research page reads a research export's daily.csv and a dataset built by
`kneeload cohort build`."""

from distributed import Client

from analysis.cohort.build import BuildSettings, build_cohort
from analysis.cohort.manifest import read_manifest
from analysis.stats.export import research_tables, write_research_export
from analysis.stats.simulate import simulate_athlete
from analysis.synth.cohort import write_cohort
from tests.ui.conftest import app


def test_research_page_reads_a_daily_csv_and_a_dataset(db, tmp_path):
    from pages import ui

    people = [(f"Runner {i}", a.activities, a.pain)
              for i, a in enumerate(simulate_athlete(seed, days=240) for seed in range(6))]
    write_research_export(research_tables(people, salt=b"s", shift_dates=True),
                          tmp_path / "export", shifted=True)
    report = ui.cohort_csv((tmp_path / "export" / "daily.csv").read_bytes())
    assert report.n_athletes == 6 and report.enough_data

    manifest = write_cohort(tmp_path / "inputs", 6, weeks=10, dead_runner=False)
    with Client(processes=False, n_workers=1, threads_per_worker=1,
                dashboard_address=":0") as client:
        build_cohort(read_manifest(manifest).runners, tmp_path / "out", client,
                     BuildSettings(salt=b"page"))
    at = app("pages/research.py")
    at.radio[0].set_value("A dataset built by `kneeload cohort build`").run()
    at.text_input[0].input(str(tmp_path / "out")).run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Runners"] == "6 of 6"
    at.text_input[0].input(str(tmp_path)).run()
    assert at.error[0].value.startswith(f"{tmp_path} could not be read: {tmp_path}: not a "
                                        "cohort dataset")
