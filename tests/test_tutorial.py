"""The tutorial notebook and the README quickstart run as written (they are documentation that
must not rot).

docs/tutorial.ipynb is executed top to bottom in a fresh Jupyter kernel (nbclient); its own
assertions check the science it shows (every mode within 0.2 of its ODE, RFLO's learned change of
rank at most o). The README's quickstart block is extracted from README.md and executed.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from linrnn.core.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"


def test_tutorial_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code), "clear the outputs"


def test_tutorial_notebook_runs(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    seconds = time.perf_counter() - t0
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images == 4, f"expected the 4 figures (losses, modes vs ODE, vector field, rank), got {images}"
    for rule in RULES:  # every registered rule, in both estimators
        for estimator in ("expected", "sampled"):
            assert re.search(rf"^{rule}\s+{estimator}\s+budget_exhausted\b", text, flags=re.M), (rule, estimator, text)
    for rule in (r for r in RULES if RULES[r].has_ode):
        assert re.search(rf"^{rule}: largest deviation from the ODE", text, flags=re.M), (rule, text)
    assert "rflo: loss" in text and "notebook ran in" in text
    print(f"tutorial notebook: {seconds:.1f} s")


def _quickstart() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


def test_readme_quickstart_runs():
    code = _quickstart()
    assert len(code.strip().splitlines()) <= 15, "the quickstart should stay short"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md (quickstart)", "exec"), {"__name__": "__quickstart__"})
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["bptt", "tbptt", "rflo", "eprop"], lines
    for line in lines:
        first, last = (float(x) for x in re.search(r"loss ([\d.e+-]+) -> ([\d.e+-]+)", line).groups())
        assert "(budget_exhausted)" in line and last < first / 10, line  # every rule learns the teacher
