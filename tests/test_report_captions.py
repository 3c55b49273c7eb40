"""Every caption of the HTML report renders without a docutils system message.

Snakemake renders each caption file with Jinja2 and then docutils (`publish_parts(...,
writer_name="html")`); a system message (an undefined substitution such as ``|w*|``, an
unterminated inline markup, ...) is then shown to the reader as a "System Message: ERROR/3" box
inside the report. Here every caption named in the workflow is rendered the same way, with every
message level reported (INFO and up), and the test fails on any message.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import docutils.core
import jinja2
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RULE_FILES = sorted((ROOT / "workflow" / "rules").glob("*.smk"))


def _caption_files() -> list[Path]:
    """Caption files referenced by the workflow: `caption=` of report() outputs, `report:` of the Snakefile."""
    found = set()
    for smk in RULE_FILES:
        for rel in re.findall(r"caption\s*=\s*\"([^\"]+)\"", smk.read_text()):
            found.add((smk.parent / rel).resolve())
    for rel in re.findall(r"^report:\s*\"([^\"]+)\"", (ROOT / "Snakefile").read_text(), flags=re.M):
        found.add((ROOT / rel).resolve())
    return sorted(found)


CAPTIONS = _caption_files()


def render_messages(text: str) -> str:
    """The docutils system messages (all levels) of a caption rendered as Snakemake does."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    snakemake = type("Snakemake", (), {"config": config, "wildcards": {}, "params": {}})
    text = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text).render(snakemake=snakemake)
    stream = io.StringIO()
    docutils.core.publish_parts(
        text,
        writer="html",
        settings_overrides={"report_level": 1, "halt_level": 5, "warning_stream": stream},
    )
    return stream.getvalue()


def test_every_caption_file_is_used():
    on_disk = {p.resolve() for p in (ROOT / "workflow" / "report").glob("*.rst")}
    assert CAPTIONS, "no caption found in workflow/rules/*.smk"
    assert on_disk == set(CAPTIONS), f"unused: {sorted(on_disk - set(CAPTIONS))}, missing: {set(CAPTIONS) - on_disk}"


@pytest.mark.parametrize("path", CAPTIONS, ids=[p.name for p in CAPTIONS])
def test_caption_renders_without_system_message(path):
    messages = render_messages(path.read_text(encoding="utf-8"))
    assert messages == "", f"{path.relative_to(ROOT)}:\n{messages}"


@pytest.mark.parametrize(
    "text",
    ["for a small |w*|.", "the loss |y_t - y*_t|^2", "*emphasis without end"],
)
def test_the_check_sees_the_errors_a_reader_would(text):
    """The same renderer flags the mistakes that showed up as error boxes in the report."""
    assert "System Message" not in text and render_messages(text) != ""
