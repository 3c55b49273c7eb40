"""tools/compare_results.py: two result trees compared file by file (the refactor proof).

Each test builds two small trees by hand and checks that the tool finds exactly the difference
planted in them (one ulp in an array, one CSV cell, one PNG byte) and nothing else, that
provenance and code hashes are ignored, and that a stated column rename is honoured.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import compare_results  # noqa: E402


def _tree(root: Path, *, provenance="rev-a", value=0.1, cell="0.5", png=b"\x89PNG-a", column="mode"):
    (root / "runs/e/bptt/expected").mkdir(parents=True)
    (root / "tables/e").mkdir(parents=True)
    (root / "figures").mkdir(parents=True)
    (root / "logs").mkdir(parents=True)
    np.savez(
        root / "runs/e/bptt/expected/seed0.npz",
        W=np.array([[value, np.nan], [0.0, 1.0]]),
        status=np.array("ok"),
        provenance=np.array(json.dumps({"git_revision": provenance, "params": {"code": provenance}})),
    )
    (root / "tables/e/runs.csv").write_text(f"experiment,{column},value\ne,expected,{cell}\n")
    meta = {
        "columns": [
            {"name": "experiment", "description": "experiment name"},
            {"name": column, "description": f"the {column}"},
            {"name": "value", "description": "a number"},
        ],
        "provenance": {"git_revision": provenance},
    }
    (root / "tables/e/runs.meta.json").write_text(json.dumps(meta))
    (root / "figures/f.png").write_bytes(png)
    (root / "logs/job.log").write_text(f"took {provenance} seconds\n")
    return root


def _compare(old, new, renames=None):
    return compare_results.compare_trees(old, new, renames or {})


def test_identical_trees_up_to_provenance_and_logs(tmp_path):
    old = _tree(tmp_path / "old")
    new = _tree(tmp_path / "new", provenance="rev-b")
    result = _compare(old, new)
    assert result["differences"] == {} and result["only_old"] == [] and result["only_new"] == []
    assert result["same"] == 4  # npz, csv, meta.json, png (logs skipped)
    assert compare_results.main([str(old), str(new)]) == 0


def test_one_ulp_in_one_array_is_found(tmp_path):
    old = _tree(tmp_path / "old")
    new = _tree(tmp_path / "new", value=np.nextafter(0.1, 1.0))
    result = _compare(old, new)
    assert list(result["differences"]) == ["runs/e/bptt/expected/seed0.npz"]
    assert "'W'" in result["differences"]["runs/e/bptt/expected/seed0.npz"][0]
    assert compare_results.main([str(old), str(new)]) == 1


def test_csv_cell_png_byte_and_missing_file_are_found(tmp_path):
    old = _tree(tmp_path / "old")
    new = _tree(tmp_path / "new", cell="0.50000000000000001", png=b"\x89PNG-b")
    (new / "figures/extra.pdf").write_bytes(b"%PDF")
    result = _compare(old, new)
    assert set(result["differences"]) == {"tables/e/runs.csv", "figures/f.png"}
    assert result["only_new"] == ["figures/extra.pdf"]
    text = compare_results.summary(result, old, new)
    assert "DIFFERS tables/e/runs.csv" in text and "only in NEW: figures/extra.pdf" in text


def test_new_outputs_must_be_stated(tmp_path):
    old = _tree(tmp_path / "old")
    new = _tree(tmp_path / "new")
    (new / "tables/e/ode_match.csv").write_text("a\n1\n")
    assert _compare(old, new)["only_new"] == ["tables/e/ode_match.csv"]
    stated = compare_results.compare_trees(old, new, {}, new_files=["tables/*/ode_match.*"])
    assert stated["only_new"] == [] and stated["stated_new"] == ["tables/e/ode_match.csv"]
    assert compare_results.main([str(old), str(new), "--new-file", "tables/*/ode_match.*"]) == 0


def test_column_rename_must_be_stated(tmp_path):
    old = _tree(tmp_path / "old", column="mode")
    new = _tree(tmp_path / "new", column="estimator")
    unstated = _compare(old, new)
    assert set(unstated["differences"]) == {"tables/e/runs.csv", "tables/e/runs.meta.json"}
    stated = _compare(old, new, {"mode": "estimator"})
    assert stated["differences"] == {}
    assert stated["notes"] == {"tables/e/runs.meta.json": ["renamed column 'estimator': new description"]}


def test_text_replacement_must_be_stated(tmp_path):
    old = _tree(tmp_path / "old", cell="linrnn.theory")
    new = _tree(tmp_path / "new", cell="linrnn.core.theory")
    assert set(_compare(old, new)["differences"]) == {"tables/e/runs.csv"}
    same = compare_results.compare_trees(old, new, {}, replacements={"linrnn.theory": "linrnn.core.theory"})
    assert same["differences"] == {}


def test_command_line_prints_a_summary(tmp_path):
    old = _tree(tmp_path / "old")
    new = _tree(tmp_path / "new", value=0.2)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/compare_results.py"), str(old), str(new)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "RESULT: 1 files differ" in proc.stdout and "max |OLD - NEW| = 0.1" in proc.stdout


@pytest.mark.parametrize("bad", [["--rename-column", "mode"], ["/nonexistent", "/nonexistent"]])
def test_bad_arguments_are_refused(tmp_path, bad):
    args = bad if bad[0].startswith("/") else [str(tmp_path), str(tmp_path), *bad]
    with pytest.raises(SystemExit):
        compare_results.main(args)


def test_table_sidecar_shapes_compare_by_column_names_and_descriptions(tmp_path):
    old_shape = {"columns": [{"name": "x", "description": "the x"}], "n_rows": 2, "provenance": {"a": 1}}
    new_shape = {
        "profile": "tabular-data-resource",
        "path": "t.csv",
        "schema": {"fields": [{"name": "x", "type": "number", "description": "the x"}], "missingValues": ["nan"]},
        "n_rows": 2,
        "provenance": {"a": 2},
    }
    (tmp_path / "old.json").write_text(json.dumps(old_shape))
    (tmp_path / "new.json").write_text(json.dumps(new_shape))
    assert compare_results.compare_json(tmp_path / "old.json", tmp_path / "new.json", {}) == ([], [])
    new_shape["schema"]["fields"][0]["description"] = "another x"
    (tmp_path / "new.json").write_text(json.dumps(new_shape))
    assert compare_results.compare_json(tmp_path / "old.json", tmp_path / "new.json", {})[0]
    new_shape["schema"]["fields"][0]["description"], new_shape["n_rows"] = "the x", 3
    (tmp_path / "new.json").write_text(json.dumps(new_shape))
    assert compare_results.compare_json(tmp_path / "old.json", tmp_path / "new.json", {})[0]
