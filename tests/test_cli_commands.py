"""The command registry: it names every command where it lives, and `kneeload X` imports
only what X needs (the start-up budget of issue 13)."""

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.cli import build_parser, main
from analysis.cli.commands import COMMANDS
from analysis.synth import gpx_bytes, synth_run

ROOT = Path(__file__).resolve().parents[1]
CLI_MODULES = sorted(p.stem for p in (ROOT / "analysis" / "cli").glob("*.py")
                     if p.stem not in ("__init__", "commands"))


def registered_by(module: str) -> set[str]:
    """The top-level commands that one CLI module registers."""
    commands = argparse.ArgumentParser().add_subparsers()
    register = getattr(importlib.import_module(f"analysis.cli.{module}"), "register", None)
    if register is not None:
        register(commands)
    return set(commands.choices)


def test_the_registry_names_each_command_with_the_module_that_registers_it():
    found = {name: module for module in CLI_MODULES for name in registered_by(module)}
    assert found == {name: module for name, (module, _) in COMMANDS.items()}


def test_help_lists_every_command_with_its_line(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for name, (_, line) in COMMANDS.items():
        assert f"{name}" in out and " ".join(line.split()[:3]) in " ".join(out.split())


def test_a_command_builds_only_its_own_module():
    parser = build_parser(["parse"])
    choices = parser._subparsers._group_actions[0].choices
    assert choices["parse"].get_default("handler").__module__ == "analysis.cli.parse"
    assert choices["weekly"].get_default("handler") is None  # listed, not loaded


@pytest.mark.parametrize("argv, heavy", [
    (["--help"], ("pandas", "scipy", "sqlalchemy", "statsmodels", "streamlit")),
    (["parse", "RUN"], ("scipy", "sqlalchemy", "statsmodels", "streamlit", "altair")),
])
def test_start_up_imports_only_what_the_command_needs(argv, heavy, tmp_path):
    run = tmp_path / "run.gpx"
    run.write_bytes(gpx_bytes(synth_run(np.random.default_rng(1), "2024-05-01 07:00",
                                           duration_s=120)))
    argv = [str(run) if word == "RUN" else word for word in argv]
    code = ("import sys\nfrom analysis.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert "2024-05-01" in done.stdout or argv == ["--help"]
    loaded = set(done.stdout.strip().splitlines()[-1].split(","))
    assert loaded.isdisjoint(heavy), loaded & set(heavy)
