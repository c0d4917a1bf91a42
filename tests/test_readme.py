"""The README's promise: exactly two commands for a fresh machine, each in a virtual
environment, the dashboard's address named, and CI running the very test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fresh_machine_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Fresh machine", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_two_commands_each_starting_with_a_virtual_environment():
    run, test = fresh_machine_commands()
    for command in (run, test):
        assert "\n" not in command
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && pip ")
    assert run.endswith("streamlit run app.py")
    assert test.endswith("python -m pytest")


def test_the_address_to_open_is_the_streamlit_default():
    readme = (ROOT / "README.md").read_text()
    assert "http://localhost:8501" in readme.split("## The dashboard", 1)[0]


def test_ci_runs_the_readme_test_command():
    test = fresh_machine_commands()[1]
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert lines[-1] == test
