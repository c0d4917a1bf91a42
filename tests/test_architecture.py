"""The core stays pure: nothing under analysis/ imports Streamlit."""

import ast
from pathlib import Path

ANALYSIS = Path(__file__).resolve().parent.parent / "analysis"


def test_no_streamlit_import_in_core():
    offenders = []
    for path in ANALYSIS.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(ANALYSIS.parent)))
    assert offenders == []
