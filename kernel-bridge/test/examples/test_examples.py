"""Every notebook in examples/ runs top to bottom on the TypeScript (WebRTC) kernel without an error.

The examples are what a new user runs first; nothing else executes them, so an API change that
breaks one would go unnoticed. nbclient is a real headless client (it also saves widget state).
No browser is attached: streams are made and their transforms set, but no frame flows. A cell
that cannot run without a browser (e.g. `await ctx.start()`, which waits for a view) carries the
cell tag `needs-browser`; it is left out and counted in the test's output, never silently.

Run from the repo root after `bash scripts/setup.sh`:

    JUPYTER_PATH=.venv/share/jupyter .venv/bin/python -m pytest kernel-bridge/test/examples -q
"""

from __future__ import annotations

import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
# The first cell waits for the kernel's TypeScript warm-up too (seconds on a loaded 2-core machine).
CELL_TIMEOUT = 120


def test_there_are_examples() -> None:
    assert NOTEBOOKS, f"no notebooks in {EXAMPLES}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_example_runs(path: pathlib.Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    left_out = [c for c in notebook.cells if "needs-browser" in c.get("metadata", {}).get("tags", [])]
    notebook.cells = [c for c in notebook.cells if c not in left_out]
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert code_cells, f"{path.name}: no code cell left to run"
    if left_out:
        print(f"{path.name}: {len(left_out)} cell(s) tagged needs-browser not run")
    client = NotebookClient(
        notebook,
        kernel_name="typescript-webrtc",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()  # raises CellExecutionError with the cell and its error on the first failure
    for cell in code_cells:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name}: {cell.source[:80]!r} -> {errors}"
        assert cell.execution_count, f"{path.name}: a cell did not run: {cell.source[:80]!r}"
