"""Every report() item of the workflow has a caption in a known category, and every caption (and the
workflow overview) renders: Jinja with undefined names as errors, then reStructuredText with
warnings as errors, as Snakemake's --report does it."""

import re
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from docutils.core import publish_parts

from videoaug.config import load_config

PROJECT = Path(__file__).resolve().parents[2]
RULES = sorted((PROJECT / "workflow" / "rules").glob("*.smk"))
CATEGORIES = {"Data", "SPS", "TDA", "L2A", "AVD", "Comparison", "Splits"}
# workflow/rules/l2a.smk (maintained by the L2A work) still names its category "Learn2Augment":
# accepted until it says "L2A" (one word at merge), then this alias goes.
ALIASES: set[str] = set()
BUILT_FAMILIES = {"Data", "SPS", "TDA", "L2A", "AVD", "Comparison"}


def report_items() -> list[tuple[str, str | None, str | None]]:
    """(rule file, caption, category) of every report(...) call in workflow/rules/*.smk."""
    items = []
    for smk in RULES:
        text = smk.read_text()
        for match in re.finditer(r"\breport\(", text):
            depth, i = 1, match.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
            call = text[match.end() : i]
            caption = re.search(r'caption="([^"]+)"', call)
            category = re.search(r'category="([^"]+)"', call)
            items.append((smk.name, caption and caption.group(1), category and category.group(1)))
    return items


def render(path: Path, config: dict) -> str:
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    snakemake = SimpleNamespace(config=config, wildcards=SimpleNamespace(ds=config["dataset"]))
    text = env.from_string(path.read_text()).render(snakemake=snakemake, categories={}, files=[])
    # halt_level 2: a reStructuredText warning (bad markup) fails like an error
    return publish_parts(
        text, writer="html", settings_overrides={"halt_level": 2, "report_level": 5}
    )["body"]


CONFIGS = {
    "default": lambda: load_config([PROJECT / "config.yaml"]),
    "ci": lambda: load_config([PROJECT / "config.yaml", PROJECT / "workflow/presets/ci.yaml"]),
}


def test_every_report_item_has_a_caption_and_a_family_category():
    items = report_items()
    assert items
    for smk, caption, category in items:
        assert caption, f"{smk}: a report() item without caption="
        assert category in CATEGORIES | ALIASES, (
            f"{smk}: category {category!r} not in {sorted(CATEGORIES)}"
        )
        assert (PROJECT / "workflow" / "rules" / caption).resolve().exists(), f"{smk}: {caption}"
    assert {category for _, _, category in items} >= BUILT_FAMILIES


@pytest.mark.parametrize("preset", sorted(CONFIGS))
@pytest.mark.parametrize("category", sorted({c for _, _, c in report_items()} | BUILT_FAMILIES))
def test_captions_render_for_every_category(category, preset):
    config = CONFIGS[preset]()
    captions = {c for _, c, cat in report_items() if cat == category}
    assert captions
    for caption in sorted(captions):
        html = render((PROJECT / "workflow" / "rules" / caption).resolve(), config)
        assert "{{" not in html and "{%" not in html
        assert len(html) > 100, caption


@pytest.mark.parametrize("preset", sorted(CONFIGS))
def test_workflow_overview_renders_with_the_config(preset):
    config = CONFIGS[preset]()
    html = render(PROJECT / "workflow" / "report" / "workflow.rst", config)
    assert config["sps"]["backbone"] in html and config["tda"]["backbone"] in html
    snakefile = (PROJECT / "Snakefile").read_text()
    assert 'report: "workflow/report/workflow.rst"' in snakefile


def test_a_bad_caption_fails_the_render(tmp_path):
    bad = tmp_path / "bad.rst"
    bad.write_text('{{ snakemake.config["no_such_section"]["x"] }}\n')
    with pytest.raises(jinja2.UndefinedError):
        render(bad, CONFIGS["default"]())
