"""The registry of families agrees with the code, the workflow, config.yaml and the README: every
family that has rules is registered (and on the leaderboard), and what the docs say is what is
registered."""

import re
from pathlib import Path

import yaml

from videoaug.report.methods import FAMILY_MODULES, load_families, registered_methods

PROJECT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((PROJECT / "config.yaml").read_text())


def _family_ids_with_rules() -> list[str]:
    """Method families (``src/videoaug/methods/<id>/``) with a rules file of their own."""
    methods = PROJECT / "src" / "videoaug" / "methods"
    return sorted(p.name for p in methods.iterdir() if p.is_dir() and not p.name.startswith("_")
                  and (PROJECT / "workflow" / "rules" / f"{p.name}.smk").exists())


def test_every_family_with_rules_is_registered():
    ids = _family_ids_with_rules()
    assert ids == ["avd", "l2a", "sps", "tda"]
    assert sorted(m.split(".")[2] for m in FAMILY_MODULES) == ids
    families = load_families()
    assert sorted(families) == sorted(i.upper() for i in ids)
    by_family = {}
    for m in registered_methods(CONFIG):
        by_family.setdefault(m.family, []).append(m)
    for name, methods in by_family.items():
        baselines = {m.baseline for m in methods}
        assert len(baselines) == 1, name  # one baseline per family ...
        assert baselines <= {m.result for m in methods}, name  # ... and it has a row
    assert {m.result for m in by_family["L2A"]} >= {"l2a", "l2a_random", "l2a_actorcut",
                                                     "l2a_none", "l2a_nocomp", "l2a_noall"}
    assert {m.result for m in by_family["AVD"]} >= {
        "avd_frames_rgb", "avd_rgb", "avd_flow",
        *(f"avd_{f}" for f in CONFIG["avd"]["classifier"]["fusion"])}
    assert by_family["AVD"][0].baseline == "avd_frames_rgb"
    assert by_family["L2A"][0].baseline == "l2a_none"


def _names(text: str) -> list[str]:
    return [n.strip() for n in re.split(r",|\band\b", text) if n.strip()]


def test_config_comment_and_readme_name_the_registered_families():
    registered = sorted(load_families())
    comment = next(line for line in (PROJECT / "config.yaml").read_text().splitlines()
                   if line.strip().startswith("families:"))
    listed = re.search(r"null = all registered: ([A-Z0-9, ]+)\)", comment)
    assert listed and sorted(_names(listed.group(1))) == registered, comment
    readme = (PROJECT / "README.md").read_text()
    row = next(line for line in readme.splitlines()
               if line.startswith("| `results/tables/leaderboard_{ds}.md`"))
    listed = re.search(r"\(families ([A-Z0-9, ]+)\)", row)
    assert listed and sorted(_names(listed.group(1))) == registered, row
    overview = (PROJECT / "workflow" / "report" / "workflow.rst").read_text()
    for name in registered:
        assert f"- **{name}**" in overview, name  # one category per family in the report
    assert "join when" not in overview
