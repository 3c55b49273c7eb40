"""The Snakemake pipeline: lint, config validation, dry run of the paper config, and an
end-to-end run of config/test.yaml in a temporary copy of the tree (2 cores) with the rerun
checks (unchanged rerun does nothing; one parameter reruns only its dependents; a package edit
reruns only the rules whose scripts import the edited module).

Workflow profiles are switched off (--workflow-profile none) so these tests never depend on
workflow/profiles/.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from linrnn.core.train import END_STATES
from linrnn.pipeline import io
from tests.helpers import job_stats, snakemake_command, train_jobs, train_rule

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("validation", "low_rank", "reliability")
TABLES = ("loss", "modes", "ode_match", "alignment", "spectra", "runs")


def snakemake(*args, cwd, env=None, check=True):
    cmd = snakemake_command(*args)
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def dry_run(*args, cwd, env=None) -> dict[str, int]:
    proc = snakemake("-n", *args, cwd=cwd, env=env)
    return job_stats(proc.stdout + proc.stderr)


def outside_tree(tmp_path, *args, **kw):
    return snakemake(
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(tmp_path),
        *args,
        cwd=tmp_path,
        **kw,
    )


# ------------------------------------------------------------------ static checks


def test_lint_is_clean(tmp_path):
    proc = outside_tree(tmp_path, "--lint", "--configfile", str(ROOT / "config/config.yaml"))
    assert "Congratulations, your workflow is in a good condition!" in proc.stdout + proc.stderr


def test_paper_config_plans_every_figure(tmp_path):
    proc = outside_tree(tmp_path, "-n", "--configfile", str(ROOT / "config/config.yaml"))
    out = proc.stdout + proc.stderr
    stats = job_stats(out)
    for fig in FIGURES:
        assert stats.get(f"figure_{fig}") == 1
        assert f"results/figures/{fig}.pdf" in out and f"results/figures/{fig}.png" in out
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    # one training job per experiment x rule x estimator: the default block is all seeds
    n_jobs = sum(len(e["rules"]) * len(e.get("estimators", ["expected"])) for e in config["experiments"].values())
    assert train_jobs(stats) == n_jobs
    assert stats[train_rule(config["experiments"]["rank_o1"]["seeds"])] == len(
        config["experiments"]["rank_o1"]["rules"]
    )
    # block size 1: one job per seed, as before seed blocks
    proc = outside_tree(tmp_path, "-n", "--configfile", str(ROOT / "config/config.yaml"), "--config", "seed_block=1")
    n_runs = sum(
        len(e["rules"]) * len(e.get("estimators", ["expected"])) * len(e["seeds"])
        for e in config["experiments"].values()
    )
    assert train_jobs(job_stats(proc.stdout + proc.stderr)) == n_runs
    assert stats["diagnostics"] == len(config["experiments"])
    assert stats["claims"] == 1


def test_overlay_config_merges_into_the_paper_config(tmp_path):
    """`--configfile config/config.yaml config/long_reliability.yaml`: the overlay changes only its
    own keys (Snakemake merges key by key) and the merged config passes the checks."""
    from snakemake.utils import update_config

    from linrnn.pipeline.config_check import check_config

    paper = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    overlay = yaml.safe_load((ROOT / "config/long_reliability.yaml").read_text())
    merged = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    update_config(merged, overlay)
    check_config(merged, ROOT / "workflow/schemas/config.schema.yaml")
    training = merged["experiments"]["rank_o1"]["training"]
    own = overlay["experiments"]["rank_o1"]["training"]
    assert training["steps"] == own["steps"] and training["stop"]["early"] is False
    assert training["stop"]["stall_decrease"] == paper["experiments"]["rank_o1"]["training"]["stop"]["stall_decrease"]
    assert {k: v for k, v in training.items() if k not in own} == {
        k: v for k, v in paper["experiments"]["rank_o1"]["training"].items() if k not in own
    }
    merged["experiments"]["rank_o1"]["training"] = paper["experiments"]["rank_o1"]["training"]
    assert merged == paper
    proc = outside_tree(
        tmp_path, "-n", "--configfile", str(ROOT / "config/config.yaml"), str(ROOT / "config/long_reliability.yaml")
    )
    planned = outside_tree(tmp_path, "-n", "--configfile", str(ROOT / "config/config.yaml"))
    assert job_stats(proc.stdout + proc.stderr) == job_stats(planned.stdout + planned.stderr)


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (("experiments", "rank_o2", "training", "eta"), -0.1, "eta"),
        (("experiments", "validation", "training", "stepz"), 10, "stepz"),
        (("experiments", "rank_o1", "rules"), ["bptt", "rtrl"], "rtrl"),
        (("experiments", "validation", "options", "w_hat"), 1.5, "w_hat"),
        # configs that used to run to exit 0 with blank figures and claims read as failures
        (("figures", "validation", "seed"), 5, "figures.validation.seed"),
        (("figures", "low_rank", "experiment"), "rank_o2", "figures.low_rank.rules"),
        (("figures", "validation", "experiment"), "rank_o1", "figures.validation.experiment"),
        (("theory", "tau"), 0, "theory.tau"),
    ],
)
def test_invalid_config_fails_before_any_job_naming_the_key(tmp_path, path, value, key):
    config = yaml.safe_load((ROOT / "config/test.yaml").read_text())
    node = config
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    proc = outside_tree(tmp_path, "-n", "--configfile", str(bad), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert key in out and "Fix:" in out
    assert "Job stats" not in out and not (tmp_path / "results").exists()


def test_yaml_error_in_the_default_config_names_file_and_line(tmp_path):
    """Snakemake reads a --configfile itself (its error names neither file nor line: the limit
    docs/config_checks.md states); the default config/config.yaml is read by the checker first."""
    (tmp_path / "config").mkdir()
    text = (ROOT / "config/test.yaml").read_text().replace("seeds: [0, 1, 2]", "seeds: [0, 1, 2", 1)
    (tmp_path / "config/config.yaml").write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "seeds: [0, 1, 2" in t and "]" not in t)
    proc = outside_tree(tmp_path, "-n", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "YAML syntax error" in out and "Fix:" in out
    assert re.search(rf"config/config.yaml:{line}|config/config.yaml:{line + 1}", out), out
    assert "Job stats" not in out and not (tmp_path / "results").exists()


def _schema_nodes(node, where="schema"):
    if isinstance(node, dict):
        if "properties" in node:
            for name, sub in node["properties"].items():
                yield f"{where}.{name}", sub
        for k, v in node.items():
            yield from _schema_nodes(v, f"{where}.{k}")


def test_schema_describes_every_key():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    missing = [w for w, sub in _schema_nodes(schema) if "description" not in sub]
    assert not missing, missing


def _config_keys(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            if k not in ("experiments", "paper_converged"):
                yield from _config_keys(v, (*prefix, k))
            else:
                for sub in v.values() if k == "experiments" else []:
                    yield from _config_keys(sub, (*prefix, k, "<name>"))


def test_config_readme_documents_every_key():
    readme = (ROOT / "config/README.md").read_text()
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config.pop("theory", None)  # documented by the theory part
    undocumented = {keys[-1] for keys in _config_keys(config) if f"`{keys[-1]}`" not in readme}
    assert not undocumented, sorted(undocumented)


# ------------------------------------------------------------------ end to end


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    """config/test.yaml run once in a copy of the tree, importing a copy of the package."""
    root = tmp_path_factory.mktemp("e2e")
    for name in ("Snakefile", "workflow", "scripts", "config"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    shutil.copytree(
        ROOT / "src" / "linrnn",
        root / "src" / "linrnn",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    proc = snakemake("--configfile", "config/test.yaml", "--cores", "2", cwd=root, env=env)
    return {"root": root, "env": env, "log": proc.stdout + proc.stderr}


def test_e2e_produces_every_figure_and_table(e2e):
    root = e2e["root"]
    config = yaml.safe_load((root / "config/test.yaml").read_text())
    for fig in FIGURES:
        for ext in ("pdf", "png"):
            assert (root / f"results/figures/{fig}.{ext}").stat().st_size > 1000
        meta = json.loads((root / f"results/figures/{fig}.meta.json").read_text())
        assert meta["provenance"]["config"] == config["figures"][fig]
    for name in config["experiments"]:
        for table in TABLES:
            path = root / f"results/tables/{name}/{table}.csv"
            assert path.exists()
            meta = json.loads(io.meta_path(path).read_text())
            assert list(io.read_table(path)) == [f["name"] for f in meta["schema"]["fields"]]
            assert meta["provenance"]["version"]
    claims = io.read_table(root / "results/tables/claims.csv")
    assert {"rflo_rank_at_most_o", "ode_matches_full_rnn", "convergence_count"} <= set(claims["claim"])
    # Prop. 3.1 holds exactly in the pipeline's own output
    assert all(claims["passed"][claims["claim"] == "rflo_rank_at_most_o"])
    runs = io.read_table(root / "results/tables/rank_o1/runs.csv")
    rflo = io.select(runs, rule="rflo")
    assert (rflo["rank_W"] <= rflo["o"]).all() and (rflo["rank_B"] <= rflo["o"]).all()


def test_e2e_results_carry_provenance(e2e):
    root = e2e["root"]
    config = yaml.safe_load((root / "config/test.yaml").read_text())
    run = root / "results/runs/validation/rflo/sampled/seed0.npz"
    prov = io.npz_provenance(run)
    assert prov["wildcards"] == {
        "experiment": "validation",
        "learner": "rflo",
        "estimator": "sampled",
        "seed": "0",
    }
    recorded, given = prov["config"]["training"], config["experiments"]["validation"]["training"]
    assert {k: recorded[k] for k in given} == given  # plus the schema's defaults (training.stop)
    assert prov["config"]["rel_loss"] == config["experiments"]["validation"]["analysis"]["rel_loss"]
    assert prov["params"]["base_seed"] == config["base_seed"]
    assert prov["seed_key"] == ["train", "validation", "rflo", "sampled", 0]
    data = io.load_npz(run)  # allow_pickle=False
    assert io.scalar(data, "status") in END_STATES


def test_e2e_reruns(e2e):
    root, env = e2e["root"], e2e["env"]
    args = ("--configfile", "config/test.yaml")
    # 1. an unchanged rerun has nothing to do
    assert dry_run(*args, cwd=root, env=env) == {}

    # 2. one experiment parameter reruns only what depends on it
    cfg_path = root / "config/test.yaml"
    original = cfg_path.read_text()
    config = yaml.safe_load(original)
    config["experiments"]["rank_o2"]["training"]["steps"] += 10
    cfg_path.write_text(yaml.safe_dump(config, sort_keys=False))
    stats = dry_run(*args, cwd=root, env=env)
    assert stats == {
        train_rule([0]): 1,
        "diagnostics": 1,
        "figure_low_rank": 1,
        "claims": 1,
        "claims_html": 1,
        "all": 1,
    }
    cfg_path.write_text(original)
    assert dry_run(*args, cwd=root, env=env) == {}

    # 2b. a seed added at the end reruns only the seed block it joins (blocks of config seed_block)
    config = yaml.safe_load(original)
    exp = config["experiments"]["rank_o1"]
    size, seeds = config["seed_block"], list(exp["seeds"])
    assert len(seeds) % size == 1  # the last block is not full: the new seed joins it
    exp["seeds"] = seeds + [max(seeds) + 1]
    cfg_path.write_text(yaml.safe_dump(config, sort_keys=False))
    stats = dry_run(*args, cwd=root, env=env)
    last_block = exp["seeds"][len(seeds) - len(seeds) % size :]
    assert {k: v for k, v in stats.items() if k.startswith("train_rnn_")} == {train_rule(last_block): len(exp["rules"])}
    assert stats["make_init"] == 1
    cfg_path.write_text(original)
    assert dry_run(*args, cwd=root, env=env) == {}

    # 3. editing package code reruns the rules whose scripts import it, and only those
    fig_module = root / "src/linrnn/figures/simulation.py"
    source = fig_module.read_text()
    fig_module.write_text(source + "\n# a comment changes no code\n")
    assert dry_run(*args, cwd=root, env=env) == {}
    fig_module.write_text(source + "\n\ndef _unused():\n    return 1\n")
    stats = dry_run(*args, cwd=root, env=env)
    assert {k for k in stats if not k.startswith("theory_")} == {
        "figure_validation",
        "figure_low_rank",
        "figure_reliability",
        "figure_sequence_loss",  # linrnn.figures.sequence_loss imports linrnn.figures.simulation
        "all",
    }
    fig_module.write_text(source)
    assert dry_run(*args, cwd=root, env=env) == {}
    # 3b. editing one theory figure module reruns that figure only (its rule's code hash names it)
    theory_module = root / "src/linrnn/figures/theory_detour.py"
    source = theory_module.read_text()
    theory_module.write_text(source + "\n\ndef _unused():\n    return 1\n")
    assert dry_run(*args, cwd=root, env=env) == {"theory_figure_detour": 1, "all": 1}
    theory_module.write_text(source)
    assert dry_run(*args, cwd=root, env=env) == {}


def test_e2e_outputs_do_not_depend_on_cores_or_order(e2e):
    """Rerunning one training job alone (1 core) and one figure gives identical bytes."""
    root, env = e2e["root"], e2e["env"]
    targets = [
        "results/runs/rank_o1/eprop/expected/seed1.npz",
        "results/figures/low_rank.png",
        "results/figures/low_rank.pdf",
    ]
    before = {t: (root / t).read_bytes() for t in targets}
    snakemake(
        "--configfile",
        "config/test.yaml",
        "--cores",
        "1",
        "--forcerun",
        train_rule([0, 1]),
        "figure_low_rank",
        "--allowed-rules",
        train_rule([0, 1]),
        "figure_low_rank",
        *targets,
        cwd=root,
        env=env,
    )
    for t in targets:
        assert (root / t).read_bytes() == before[t], t


def test_e2e_report(e2e):
    root, env = e2e["root"], e2e["env"]
    snakemake("--configfile", "config/test.yaml", "--report", "results/report.html", cwd=root, env=env)
    html = (root / "results/report.html").read_text(errors="replace")
    assert "Validation" in html and "low_rank.png" in html and "claims.csv" in html


def test_e2e_no_nan_reaches_figures_unmarked(e2e):
    root = e2e["root"]
    for name in ("validation", "rank_o1", "rank_o2"):
        runs = io.read_table(root / f"results/tables/{name}/runs.csv")
        ok = runs["outcome"] != "diverged"
        assert np.isfinite(runs["final_loss"][ok]).all()
        spectra = io.read_table(root / f"results/tables/{name}/spectra.csv")
        assert np.isfinite(spectra["singular_value"]).all()


def _copy_tree(dest: Path) -> dict:
    for name in ("Snakefile", "workflow", "scripts", "config"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    shutil.copytree(ROOT / "src" / "linrnn", dest / "src" / "linrnn", ignore=shutil.ignore_patterns("__pycache__"))
    return {**os.environ, "PYTHONPATH": str(dest / "src")}


def _result_files(root: Path) -> dict[str, bytes]:
    """Every result (npz, csv, json sidecars, figures), not logs or benchmark timings."""
    out = {}
    for path in sorted((root / "results").rglob("*")):
        rel = path.relative_to(root).as_posix()
        skipped = ("results/logs", "results/benchmarks", "results/report")
        if path.is_file() and not rel.startswith(skipped):
            out[rel] = path.read_bytes()
    return out


def test_e2e_killed_run_resumes_to_identical_results(e2e, tmp_path):
    """SIGKILL the whole workflow mid-run: no half-written file looks complete, and
    `--unlock` + rerun finishes with results byte-identical to the uninterrupted run."""
    import signal
    import time

    env = _copy_tree(tmp_path)
    cmd = snakemake_command("--configfile", "config/test.yaml", "--cores", "2")
    with open(tmp_path / "first.log", "w") as log:
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 600
        runs = tmp_path / "results/runs"
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(runs.rglob("*.npz"))) >= 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the workflow finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = list((tmp_path / "results").rglob("*.npz"))
    assert finished and not (tmp_path / "results/tables/claims.csv").exists()
    for path in finished:  # whatever exists is complete (atomic writes)
        io.load_npz(path)
    snakemake("--unlock", "--configfile", "config/test.yaml", cwd=tmp_path, env=env)
    resumed = snakemake("--configfile", "config/test.yaml", "--cores", "2", "--rerun-incomplete", cwd=tmp_path, env=env)
    # sanity: the rerun had real work to do, but less than the whole workflow
    n_resumed = sum(job_stats(resumed.stdout + resumed.stderr).values())
    assert 0 < n_resumed < sum(job_stats(e2e["log"]).values())
    reference, again = _result_files(e2e["root"]), _result_files(tmp_path)
    debris = [name for name in again if ".tmp" in Path(name).name]
    assert not debris, f"temporaries of the killed jobs survived the rerun: {debris}"
    assert sorted(again) == sorted(reference)
    differing = [name for name in reference if reference[name] != again[name]]
    assert not differing, differing


def _copy_of_finished_run(e2e, dest: Path) -> dict:
    """A copy of the e2e tree with its results and Snakemake's metadata (mtimes kept)."""
    env = _copy_tree(dest)
    shutil.copytree(e2e["root"] / "results", dest / "results")
    ignore = shutil.ignore_patterns("locks", "incomplete", "log", "conda", "scripts", "auxiliary")
    shutil.copytree(e2e["root"] / ".snakemake", dest / ".snakemake", ignore=ignore)
    return env


def _damage(path: Path, how: str) -> None:
    if how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "mis-shaped":  # a valid file with its own provenance, one hidden unit short
        arrays = io.load_npz(path)
        prov = json.loads(str(arrays.pop("provenance")))
        arrays["W"] = arrays["W"][:, :-1, :-1]
        io.save_npz(path, arrays, prov)
    else:  # misplaced: another seed's file copied into place
        shutil.copy(path.with_name("seed1.npz"), path)


@pytest.mark.parametrize("how", ["truncated", "mis-shaped", "misplaced"])
def test_e2e_damaged_run_file_stops_naming_it(e2e, tmp_path, how):
    """A damaged run file stops diagnostics with an error naming the file and the fix; the
    figures and claims made from that experiment are removed (nothing stale looks current);
    deleting the file and rerunning gives back the results of the undamaged run, byte for byte."""
    env = _copy_of_finished_run(e2e, tmp_path)
    rel = "results/runs/rank_o1/bptt/expected/seed0.npz"
    _damage(tmp_path / rel, how)
    args = ("--configfile", "config/test.yaml", "--cores", "2")
    proc = snakemake(*args, cwd=tmp_path, env=env, check=False)
    log = (tmp_path / "results/logs/diagnostics/rank_o1.log").read_text()
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    for text in (out, log):
        assert f"{rel}: " in text and "Fix: delete it and rerun" in text, text[-3000:]
    reads_rank_o1 = ["results/figures/low_rank.png", "results/figures/reliability.png", "results/tables/claims.csv"]
    assert not [f for f in reads_rank_o1 if (tmp_path / f).exists()], "stale products left"
    assert (tmp_path / "results/figures/validation.png").exists()  # does not read rank_o1
    if how == "truncated":  # the recipe of the error message and the README
        (tmp_path / rel).unlink()
        snakemake(*args, cwd=tmp_path, env=env)
        reference, again = _result_files(e2e["root"]), _result_files(tmp_path)
        assert sorted(again) == sorted(reference)
        assert [n for n in reference if reference[n] != again[n]] == []


def test_documented_job_counts_are_the_workflows():
    """docs/pipeline.md's counts block equals a fresh dry run of each config (no typed counts)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("workflow_counts", ROOT / "tools/workflow_counts.py")
    counts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(counts)
    fresh = counts.table({c: counts.job_counts(c) for c in counts.CONFIGS})
    assert counts.documented(counts.DOC.read_text(encoding="utf-8")) == fresh, (
        "run `python tools/workflow_counts.py --write`"
    )
