"""Result files: atomic writes, provenance, safe loading, tidy tables, seeds, code hashes."""

import ast
import csv
import io as io_module
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from linrnn.pipeline import codehash, io, seeding

ROOT = Path(__file__).resolve().parents[1]


def test_npz_round_trip_with_provenance(tmp_path):
    path = tmp_path / "x.npz"
    prov = io.provenance({"eta": 0.1}, rule="train_rnn", wildcards={"seed": "0"})
    io.save_npz(path, {"a": np.arange(3.0), "status": np.array("ok")}, prov)
    data = io.load_npz(path)
    np.testing.assert_array_equal(data["a"], [0.0, 1.0, 2.0])
    assert io.scalar(data, "status") == "ok"
    stored = io.npz_provenance(path)
    assert stored["config"] == {"eta": 0.1}
    assert stored["version"] and stored["git_revision"]
    assert stored["wildcards"] == {"seed": "0"}
    # loads without pickle: no object arrays inside
    with np.load(path, allow_pickle=False) as f:
        assert set(f.files) == {"a", "status", "provenance"}


def test_npz_refuses_object_arrays_and_reserved_name(tmp_path):
    with pytest.raises(TypeError, match="object"):
        io.save_npz(tmp_path / "x.npz", {"bad": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(ValueError, match="reserved"):
        io.save_npz(tmp_path / "x.npz", {"provenance": np.zeros(1)}, {"c": 1})


def test_npz_bytes_are_reproducible(tmp_path):
    arrays = {"W": np.eye(3), "loss": np.linspace(0, 1, 5)}
    io.save_npz(tmp_path / "a.npz", arrays, {"k": 1})
    io.save_npz(tmp_path / "b.npz", arrays, {"k": 1})
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_killed_write_leaves_no_file(tmp_path, monkeypatch):
    target = tmp_path / "out.npz"

    def boom(src, dst):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        io.save_npz(target, {"a": np.zeros(2)})
    assert list(tmp_path.iterdir()) == []  # neither the target nor a temporary file


def test_atomic_write_replaces_existing_file(tmp_path):
    target = tmp_path / "t.txt"
    io.atomic_write_text(target, "old")
    io.atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_rewrite_sweeps_temporaries_of_a_killed_writer(tmp_path):
    """SIGKILL cannot run cleanup, so a killed job may leave `.name.tmp<pid>`; the rerun removes it."""
    import matplotlib.pyplot as plt

    from linrnn.figures.style import save_figure

    for name in ("out.npz", "fig.pdf", "fig.png"):
        (tmp_path / f".{name}.tmp424242").write_bytes(b"half-written")
    (tmp_path / ".other.npz.tmp424242").write_bytes(b"not ours")
    io.save_npz(tmp_path / "out.npz", {"a": np.zeros(2)})
    save_figure(plt.figure(), [tmp_path / "fig.pdf", tmp_path / "fig.png"])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".other.npz.tmp424242", "fig.pdf", "fig.png", "out.npz"]


def test_table_round_trip_and_sidecar(tmp_path):
    path = tmp_path / "runs.csv"
    columns = {"rule": "rule name", "seed": "seed", "loss": "final loss", "ok": "flag"}
    rows = [
        {"rule": "bptt", "seed": 0, "loss": 0.1, "ok": True},
        {"rule": "rflo", "seed": 1, "loss": float("nan"), "ok": False},
    ]
    io.write_table(path, rows, columns, {"config": {"x": 1}})
    table = io.read_table(path)
    assert list(table) == list(columns)
    assert table["rule"].tolist() == ["bptt", "rflo"]
    assert table["seed"].dtype.kind == "i"
    assert table["loss"][0] == 0.1 and np.isnan(table["loss"][1])
    assert table["ok"].tolist() == [True, False]
    assert isinstance(table, pd.DataFrame)
    # the bytes on disk, written by hand: repr floats, true/false, nan
    assert path.read_text() == "rule,seed,loss,ok\nbptt,0,0.1,true\nrflo,1,nan,false\n"
    meta = json.loads(io.meta_path(path).read_text())
    assert meta["profile"] == "tabular-data-resource" and meta["path"] == "runs.csv"
    fields = meta["schema"]["fields"]
    assert [(f["name"], f["description"]) for f in fields] == list(columns.items())
    assert [f["type"] for f in fields] == ["string", "integer", "number", "boolean"]
    assert fields[3]["trueValues"] == ["true"] and meta["schema"]["missingValues"] == ["nan"]
    assert io.table_fields(path) == fields
    assert meta["n_rows"] == 2
    assert meta["provenance"] == {"config": {"x": 1}}
    sub = io.select(table, rule="rflo")
    assert sub["seed"].tolist() == [1]
    # a DataFrame is written to the same bytes as the rows
    io.write_table(tmp_path / "frame.csv", pd.DataFrame(rows), columns, {"config": {"x": 1}})
    assert (tmp_path / "frame.csv").read_bytes() == path.read_bytes()


def test_table_text_is_the_csv_module_with_repr(tmp_path):
    """Independent writer: csv.writer with repr() floats, true/false, nan/inf as Python writes them."""
    rng = np.random.default_rng(3)
    values = list(rng.standard_normal(40) * 10.0 ** rng.integers(-20, 20, 40)) + [0.0, -0.0, 2.0, np.inf, -np.inf]
    rows = [{"k": i, "v": float(v), "s": f"x, {i}", "b": i % 2 == 0} for i, v in enumerate(values)]
    rows.append({"k": 99, "v": float("nan"), "s": 'say "hi"', "b": False})
    io.write_table(tmp_path / "t.csv", rows, {"k": "", "v": "", "s": "", "b": ""}, {})

    def text(x):
        if isinstance(x, bool):
            return "true" if x else "false"
        return repr(x) if isinstance(x, float) and np.isfinite(x) else str(x)

    buf = io_module.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["k", "v", "s", "b"])
    for r in rows:
        writer.writerow([text(r[c]) for c in ("k", "v", "s", "b")])
    assert (tmp_path / "t.csv").read_text() == buf.getvalue()


def test_table_rejects_rows_with_wrong_columns(tmp_path):
    with pytest.raises(ValueError, match="missing"):
        io.write_table(tmp_path / "t.csv", [{"a": 1}], {"a": "x", "b": "y"}, {})


def test_empty_table_round_trip(tmp_path):
    io.write_table(tmp_path / "t.csv", [], {"a": "x", "b": "y"}, {})
    table = io.read_table(tmp_path / "t.csv")
    assert list(table) == ["a", "b"] and len(table["a"]) == 0
    assert len(io.select(table, a="anything")["a"]) == 0


def test_float_text_round_trips_exactly(tmp_path):
    values = np.random.default_rng(0).standard_normal(50) * 10.0 ** np.arange(-25, 25)
    rows = [{"v": v} for v in values]
    io.write_table(tmp_path / "t.csv", rows, {"v": "value"}, {})
    np.testing.assert_array_equal(io.read_table(tmp_path / "t.csv")["v"], values)


# ------------------------------------------------------------------ seeds


def test_rng_depends_only_on_identity():
    a = seeding.rng_for(5, "train", "validation", "rflo", "expected", 0).standard_normal(4)
    b = seeding.rng_for(5, "train", "validation", "rflo", "expected", 0).standard_normal(4)
    c = seeding.rng_for(5, "train", "validation", "rflo", "expected", 1).standard_normal(4)
    d = seeding.rng_for(6, "train", "validation", "rflo", "expected", 0).standard_normal(4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c) and not np.allclose(a, d)


def test_rng_stable_across_processes():
    """No dependence on Python's per-process hash randomisation."""
    code = "from linrnn.pipeline import seeding;print(seeding.rng_for(1, 'init', 'x', 3).integers(0, 2**62))"
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(h)},
        ).stdout
        for h in (0, 1, 2)
    }
    assert len(outs) == 1


def test_seed_key_rejects_unhashable_parts():
    with pytest.raises(TypeError):
        seeding.key_string("a", [1, 2])
    with pytest.raises(ValueError):
        seeding.seed_sequence(-1, "a")


# ------------------------------------------------------------------ code hashes


def _closure_names(script):
    return {p.relative_to(codehash.PACKAGE_DIR).as_posix() for p in codehash.module_closure(script)}


def test_code_closure_follows_imports():
    fig = _closure_names(ROOT / "scripts" / "figure_validation.py")
    assert {"figures/simulation.py", "figures/style.py", "pipeline/io.py", "__init__.py", "figures/__init__.py"} <= fig
    assert "core/train.py" not in fig
    train = _closure_names(ROOT / "scripts" / "train_rnn.py")
    assert {
        "core/train.py",
        "core/__init__.py",
        "core/rules/__init__.py",
        "core/rules/rflo.py",
        "core/rules/bptt.py",
        "core/model.py",
    } <= train
    assert not any(name.startswith("figures/") for name in train)


def test_imported_modules_resolves_relative_imports():
    tree = ast.parse("from . import model\nfrom .rules import base\nimport numpy\n")
    found = codehash.imported_modules(tree, current="linrnn.core.train")
    assert {"linrnn.core.model", "linrnn.core.rules", "linrnn.core.rules.base"} <= found
    assert "numpy" not in found


def test_digest_ignores_comments_not_code():
    def digest(text):
        return codehash.syntax_digest(ast.parse(text))

    base = digest("x = 1\n")
    assert digest("# a comment\nx = 1  # more\n") == base
    assert digest("x = 2\n") != base


def test_code_hash_sees_an_edit_made_in_the_same_process(tmp_path, monkeypatch):
    """Parsed modules are cached per process, keyed by file version: an edit is never missed."""
    package = tmp_path / "linrnn"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "core.py").write_text("def f():\n    return 1\n")
    (package / "other.py").write_text("y = 0\n")
    script = tmp_path / "script.py"
    script.write_text("from linrnn import core\n")
    monkeypatch.setattr(codehash, "PACKAGE_DIR", package)
    first = codehash.code_hash(script)
    assert codehash.code_hash(script) == first
    (package / "other.py").write_text("y = 12345\n")  # not imported by the script
    assert codehash.code_hash(script) == first
    (package / "core.py").write_text("def f():\n    return 2\n")  # same size, new content
    os.utime(package / "core.py", ns=(1, 1))  # and an mtime unlike the first version's
    assert codehash.code_hash(script) != first


def test_code_hash_of_modules_imported_by_name(tmp_path, monkeypatch):
    """A script that imports one of several modules by name at run time (the theory figures):
    each rule's hash covers its own module and what it imports, not the others."""
    package = tmp_path / "linrnn"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "shared.py").write_text("z = 0\n")
    (package / "fig_a.py").write_text("from linrnn import shared\n")
    (package / "fig_b.py").write_text("b = 1\n")
    script = tmp_path / "script.py"
    script.write_text("import importlib\n")
    monkeypatch.setattr(codehash, "PACKAGE_DIR", package)

    def hashes():
        return {m: codehash.code_hash(script, [f"linrnn.{m}"]) for m in ("fig_a", "fig_b")}

    first = hashes()
    assert first["fig_a"] != first["fig_b"] != codehash.code_hash(script)
    (package / "fig_b.py").write_text("b = 22\n")
    second = hashes()
    assert second["fig_a"] == first["fig_a"] and second["fig_b"] != first["fig_b"]
    (package / "shared.py").write_text("z = 333\n")  # reached from fig_a only
    third = hashes()
    assert third["fig_a"] != second["fig_a"] and third["fig_b"] == second["fig_b"]
