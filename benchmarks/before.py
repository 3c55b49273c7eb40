"""The package as it was before the stacked engine, importable as `linrnn_before`.

`load()` extracts `src/linrnn` of commit `BEFORE` (the last commit with the per-student
training loop and the per-term Stein convergence tests) with `git archive` into
benchmarks/out/before/, rewrites its imports from `linrnn` to `linrnn_before`, and imports
it, so that old and new code run side by side in one process (interleaved timings). Nothing
is copied into the repository: the reference is the commit itself.
"""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace

BEFORE = "1f6b50d"
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "before"


def load(commit: str = BEFORE) -> SimpleNamespace:
    """The `linrnn` package of `commit`, imported as `linrnn_before`: its modules model, train,
    rules, theory (old layout) as attributes."""
    target = OUT / commit
    package = target / "linrnn_before"
    if not (package / "__init__.py").exists():
        blob = subprocess.run(
            ["git", "archive", commit, "src/linrnn"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            for member in tar.getmembers():
                if not member.isfile() or not member.name.endswith(".py"):
                    continue
                rel = Path(member.name).relative_to("src/linrnn")
                text = tar.extractfile(member).read().decode()
                text = text.replace("from linrnn.", "from linrnn_before.").replace(
                    "from linrnn import", "from linrnn_before import"
                )
                text = text.replace("import linrnn.", "import linrnn_before.")
                path = package / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))
    names = ("model", "train", "rules", "theory")
    return SimpleNamespace(**{name: importlib.import_module(f"linrnn_before.{name}") for name in names})
