"""Notebooks: committed without outputs, and each runs clean from top to bottom."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow  # executes every notebook (kernels, full runs)

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_planner_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == ["01_planner_scenarios", "02_commission_library", "03_review_charts",
                                          "04_backtest_review"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear outputs before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("OLOY_SCENARIOS", "baseline,three_child_support")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    # A figure left as a cell's value displays as a picture, not as "<Figure size ... with 4 Axes>".
    figures = [o for o in outputs if o.get("data", {}).get("text/plain", "").startswith("<Figure size")]
    assert all("image/png" in o["data"] for o in figures)
    if path.stem in ("01_planner_scenarios", "04_backtest_review"):
        assert figures
