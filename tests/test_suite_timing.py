"""The README's suite wall times are the recorded measurements (tools/suite_timing.py), not typed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("suite_timing", ROOT / "tools" / "suite_timing.py")
suite_timing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(suite_timing)


def test_readme_block_is_the_recorded_measurements():
    record = ROOT / "benchmarks" / "suite_times.json"
    records = json.loads(record.read_text()) if record.exists() else {}
    readme = (ROOT / "README.md").read_text()
    assert suite_timing.documented(readme) == suite_timing.block(records), (
        "README suite-times block differs from benchmarks/suite_times.json: run `python tools/suite_timing.py --readme`"
    )


def test_block_renders_a_record():
    record = {
        "command": "bash tools/test.sh",
        "seconds": 325.4,
        "summary": "582 passed in 321.0s",
        "commit": "abc1234",
        "date": "2026-12-02",
        "machine": "Some CPU, 2 cores",
        "load_before": 0.1,
        "load_after": 1.9,
    }
    row = suite_timing.block({"default": record}).splitlines()[3]
    assert row == (
        "| default | `bash tools/test.sh` | 5 min 25 s | 582 passed in 321.0s | 0.1 → 1.9 "
        "| 2026-12-02 at `abc1234`, Some CPU, 2 cores |"
    )
    assert "not yet measured" in suite_timing.block({})
