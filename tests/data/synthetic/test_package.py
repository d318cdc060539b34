"""The synthetic package's layout: the names callers import from ``videoaug.data.synthetic`` are
still there after the split into modules, and the modules import each other without a cycle."""

import ast
from pathlib import Path

import videoaug.data.synthetic as synthetic

PACKAGE = Path(synthetic.__file__).parent
# What src/, tests/ and bench/ import from the package (registry.py looks these up as attributes).
IMPORTED = (
    "CLASS_SETS", "SYNTH4_CLASSES", "SYNTH10_CLASSES", "SynthParams", "_manifest_identity",
    "clip_rng", "dataset_entries", "draw_clip", "generate_synth4", "is_complete",
    "paint_background", "render_clip", "sample_clip_spec", "shifted_domain", "synth4_records",
)


def test_package_exports_what_callers_import():
    assert all(hasattr(synthetic, name) for name in synthetic.__all__)
    assert set(IMPORTED) <= set(synthetic.__all__)


def _internal_imports(path: Path) -> set[str]:
    prefix = "videoaug.data.synthetic."
    return {node.module.removeprefix(prefix) for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(prefix)}


def test_modules_import_each_other_without_a_cycle():
    graph = {p.stem: _internal_imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    done: set[str] = set()
    while len(done) < len(graph):
        ready = {m for m, deps in graph.items() if m not in done and deps <= done}
        assert ready, f"import cycle among {sorted(set(graph) - done)}"
        done |= ready
