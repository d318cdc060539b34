"""Learn2Augment settings checked while Snakemake builds the DAG, before any job runs.

Each function returns ``None`` or one line that names the config key, the dataset and the fix.
The workflow calls them from the input functions of the rules that would fail (``segment``, the
Selector rules, the few-shot runs), so a mistake that the config and the dataset listing already
show stops ``snakemake`` (a dry run too) before any output is touched: without them Snakemake
first deleted the previous run's outputs of the job (a valid ``masks/0.h5``), then the job
failed. The jobs keep their own checks (a hand-run CLI call has no DAG build).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from videoaug.methods.l2a.params import l2a_segmenter
from videoaug.methods.l2a.semi import class_quota

# backend -> (its weights key, the value that downloads published weights)
WEIGHTED_BACKENDS = {"torchvision": "coco", "detectron2": "model_zoo"}


def segmenter_problem(config: Mapping, dataset: str, kind: str) -> str | None:
    """``l2a.segmenter`` (or ``l2a.segmenter_by_dataset.<dataset>``) against the dataset kind
    and the backends' weights settings."""
    spec = l2a_segmenter(dict(config), dataset)
    key = (f"l2a.segmenter_by_dataset.{dataset}"
           if dataset in config["l2a"]["segmenter_by_dataset"] else "l2a.segmenter")
    names = spec.split("+")
    if "oracle" in names and kind != "synthetic":
        return (f"{key} = {spec!r}: the oracle reads the ground-truth masks that only a synthetic "
                f"dataset has, and dataset {dataset!r} is of kind {kind!r}; pick a model, e.g. "
                f"`l2a: {{segmenter_by_dataset: {{{dataset}: mediapipe+motion}}}}`")
    for name, download in WEIGHTED_BACKENDS.items():
        if name not in names:
            continue
        weights = config["l2a"][name].get("weights")
        if weights is None:
            return (f"l2a.{name}.weights is null but {key} = {spec!r} uses {name}: give "
                    f"{download!r} (published COCO weights, downloaded once) or a state_dict file")
        if weights != download and not Path(str(weights)).expanduser().is_file():
            return (f"l2a.{name}.weights: {weights} does not exist (give a state_dict file or "
                    f"{download!r})")
    return None


def selector_split_problem(config: Mapping, dataset: str, train: Mapping[str, int],
                           percent: float | None = None) -> str | None:
    """The Selector's validation split takes at least one training video of every class and
    leaves one in the pair pool (``selector_stage.build_pool``): each class needs two. In the
    semi-supervised setting (``percent`` of the labels) only labelled videos validate."""
    need = 2
    counts = ({c: class_quota(n, percent) if n else 0 for c, n in train.items()}
              if percent is not None else dict(train))
    short = {c: n for c, n in counts.items() if n < need}
    if not short:
        return None
    listed = ", ".join(f"{c} ({n})" for c, n in sorted(short.items()))
    what = (f"labelled training videos at {percent:g} % of the labels" if percent is not None
            else "training videos")
    fix = ("raise the fraction (l2a.semi.fractions), add videos" if percent is not None
           else f"add videos, lower datasets.{dataset}.test_fraction")
    val = float(config["l2a"]["selector"]["val_fraction"])
    return (f"dataset {dataset!r}: the Selector's validation split (l2a.selector.val_fraction = "
            f"{val:g}, at least one video per class held out and one kept for pairs) needs "
            f"{need} {what} per class; {listed} have fewer: {fix} or leave those classes out "
            f"with datasets.{dataset}.classes")


def fewshot_problem(config: Mapping, dataset: str, classes: Sequence[str],
                    train: Mapping[str, int], test: Mapping[str, int], shots: int) -> str | None:
    """Novel classes of the few-shot setting: known names, ``shots`` training videos each,
    ``queries`` test videos each, ``ways`` of them per episode, one seen class left."""
    fs = config["l2a"]["fewshot"]
    ways, queries = int(fs["ways"]), int(fs["queries"])
    names = list(fs["novel_classes"]) if fs["novel_classes"] else list(classes)[-ways:]
    unknown = [c for c in names if c not in classes]
    if unknown:
        return (f"l2a.fewshot.novel_classes: {unknown} are not classes of dataset {dataset!r} "
                f"({list(classes)}); fix the names")
    if len(set(names)) >= len(classes):
        return (f"l2a.fewshot.novel_classes leaves no seen class of dataset {dataset!r}: keep at "
                "least one class for the backbone's seen-class training")
    if not 1 <= ways <= len(set(names)):
        return (f"l2a.fewshot.ways = {ways} needs that many novel classes; dataset {dataset!r} "
                f"has {len(set(names))} ({sorted(set(names))})")
    few = {c: train.get(c, 0) for c in names if train.get(c, 0) < shots}
    if few:
        listed = ", ".join(f"{c} ({n})" for c, n in sorted(few.items()))
        return (f"dataset {dataset!r}: the {shots}-shot run (l2a.fewshot.shots) needs {shots} "
                f"training videos per novel class; {listed} have fewer")
    few = {c: test.get(c, 0) for c in names if test.get(c, 0) < queries}
    if few:
        listed = ", ".join(f"{c} ({n})" for c, n in sorted(few.items()))
        return (f"dataset {dataset!r}: l2a.fewshot.queries = {queries} query videos per novel "
                f"class come from its test videos; {listed} have fewer: lower "
                "l2a.fewshot.queries or add test videos")
    return None

