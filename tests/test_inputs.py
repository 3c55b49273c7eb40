"""Verified loaders (linrnn.pipeline.inputs): a truncated, misplaced or mis-shaped result file
and a table that disagrees with its sidecar each stop with an error naming the file and the fix."""

import shutil

import numpy as np
import pytest

from linrnn.pipeline import inputs, io


class _Params(dict):
    __getattr__ = dict.__getitem__


class _Job:
    """What io.job_provenance reads from a Snakemake job."""

    def __init__(self, rule, wildcards, output, cfg):
        self.rule, self.output = rule, [str(output)]
        self.wildcards = dict(wildcards)
        self.params = _Params(cfg=cfg)


def _teacher(tmp_path, n=4, d=3, o=2):
    path = tmp_path / "results/teachers/x.npz"
    rng = np.random.default_rng(0)
    arrays = {"kind": np.array("dense"), "A": rng.normal(size=(o, n)), "W": np.zeros((n, n)), "B": np.ones((n, d))}
    cfg = {"n": n, "d": d, "o": o, "teacher": {"kind": "dense", "w_star": [0.5]}}
    io.save_npz(path, arrays, io.job_provenance(_Job("make_teacher", {"experiment": "x"}, path, cfg)))
    return path


def _run(tmp_path, seed, n=4, d=3, o=2, records=3):
    path = tmp_path / f"results/runs/x/rflo/expected/seed{seed}.npz"
    arrays = {
        "steps": np.arange(records),
        "time": 0.1 * np.arange(records),
        "loss": np.ones(records),
        "A": np.zeros((records, o, n)),
        "W": np.zeros((records, n, n)),
        "B": np.zeros((records, n, d)),
    }
    wc = {"experiment": "x", "learner": "rflo", "estimator": "expected", "seed": str(seed)}
    io.save_npz(path, arrays, io.job_provenance(_Job("train_rnn", wc, path, {})))
    return path


def test_intact_files_load_with_their_dimensions(tmp_path):
    _, _, dims = inputs.load_teacher(_teacher(tmp_path))
    assert dims == {"n": 4, "d": 3, "o": 2}
    prov, arrays = inputs.load_run(_run(tmp_path, 0), dims)
    assert prov["wildcards"]["seed"] == "0" and arrays["W"].shape == (3, 4, 4)


def test_truncated_file_is_named_with_the_fix(tmp_path):
    path = _run(tmp_path, 0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(inputs.ResultFileError) as info:
        inputs.load_run(path, {"n": 4, "d": 3, "o": 2})
    assert str(path) in str(info.value) and "truncated or corrupt" in str(info.value)
    assert "Fix: delete it and rerun" in str(info.value)


def test_another_runs_file_copied_into_place_is_refused(tmp_path):
    other = _run(tmp_path, 1)
    path = tmp_path / "results/runs/x/rflo/expected/seed0.npz"
    shutil.copy(other, path)
    with pytest.raises(inputs.ResultFileError) as info:
        inputs.load_run(path, {"n": 4, "d": 3, "o": 2})
    message = str(info.value)
    assert message.startswith(str(path)) and "copied or moved here" in message and "seed1.npz" in message


def test_mis_shaped_array_is_refused(tmp_path):
    _, _, dims = inputs.load_teacher(_teacher(tmp_path))
    path = _run(tmp_path, 0, n=5)  # a valid file for another n
    with pytest.raises(inputs.ResultFileError) as info:
        inputs.load_run(path, dims)
    assert str(path) in str(info.value) and "shape (3, 2, 5)" in str(info.value) and "(3, 2, 4)" in str(info.value)


def test_record_axis_must_agree(tmp_path):
    path = _run(tmp_path, 0)
    arrays = io.load_npz(path)
    prov = io.npz_provenance(path)
    arrays.pop("provenance")
    arrays["loss"] = np.ones(2)
    io.save_npz(path, arrays, prov)
    with pytest.raises(inputs.ResultFileError, match="'loss' has shape"):
        inputs.load_run(path, {"n": 4, "d": 3, "o": 2})


def test_run_set_must_be_the_configured_one(tmp_path):
    paths = [_run(tmp_path, s) for s in (0, 1)]
    provs = [(p, io.npz_provenance(p)) for p in paths]
    cfg = {"rules": ["rflo"], "estimators": ["expected"], "seeds": [0, 1, 2]}
    with pytest.raises(inputs.ResultFileError, match="configured runs not among the inputs"):
        inputs.check_run_set(provs, "x", inputs.configured_runs(cfg))
    with pytest.raises(inputs.ResultFileError, match="does not ask for"):
        inputs.check_run_set(provs, "x", inputs.configured_runs({**cfg, "seeds": [0]}))
    with pytest.raises(inputs.ResultFileError, match="same run"):
        inputs.check_run_set([provs[0], provs[0]], "x", inputs.configured_runs(cfg))
    inputs.check_run_set(provs, "x", inputs.configured_runs({**cfg, "seeds": [0, 1]}))


def test_table_checked_against_its_sidecar(tmp_path):
    path = tmp_path / "results/tables/x/runs.csv"
    prov = io.job_provenance(_Job("diagnostics", {"experiment": "x"}, path, {}))
    io.write_table(path, [{"a": 1, "b": 2.0}, {"a": 2, "b": 3.0}], {"a": "A", "b": "B"}, prov)
    inputs.check_table(path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # a row lost
    with pytest.raises(inputs.ResultFileError, match="sidecar says 2"):
        inputs.check_table(path)
    moved = tmp_path / "results/tables/y/runs.csv"
    moved.parent.mkdir(parents=True)
    io.write_table(path, [{"a": 1, "b": 2.0}], {"a": "A", "b": "B"}, prov)
    shutil.copy(path, moved)
    shutil.copy(io.meta_path(path), io.meta_path(moved))
    with pytest.raises(inputs.ResultFileError, match="copied or moved here"):
        inputs.check_table(moved)
    io.meta_path(path).write_text("{not json")
    with pytest.raises(inputs.ResultFileError, match="corrupt"):
        inputs.check_table(path)
