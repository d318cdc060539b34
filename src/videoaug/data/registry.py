"""One entry point from a ``datasets.<name>`` config entry to ``(classes, records)``.

``ds_cfg["kind"]`` picks the reader (``synthetic``, ``ucf101``, ``hmdb51``, ``folder``); the
subset keys ``classes``, ``train_per_class``, ``train_limit_classes`` then apply to any kind
(see :mod:`videoaug.data.subsets`). Records come back sorted by ``(split, label, id)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from videoaug.data.folder import DEFAULT_TEST_FRACTION, read_folder
from videoaug.data.hmdb51 import HMDB51_DOWNLOAD, read_hmdb51
from videoaug.data.records import DatasetError, VideoRecord
from videoaug.data.splits import how_to_fix
from videoaug.data.subsets import apply_subset
from videoaug.data.ucf101 import UCF101_DOWNLOAD, read_ucf101

Listing = tuple[list[str], list[VideoRecord]]
Reader = Callable[[str, dict, int], Listing]

# ds_cfg key -> SynthParams field; the subset key `train_per_class` is not the generator's count.
SYNTH_PARAM_KEYS = {
    "synth_train_per_class": "train_per_class",
    "synth_test_per_class": "test_per_class",
    "frames": "frames",
    "height": "height",
    "width": "width",
    "fps": "fps",
    "difficulty": "difficulty",
    "synth_domain": "domain",
    "synth_classes": "class_set",
    # diagnostic splits (docs/splits.md, videoaug.data.synthetic.variants)
    "synth_scene": "scene",
    "synth_typical_share": "typical_share",
    "synth_change_pan": "change_pan",
    "synth_change_zoom": "change_zoom",
    "synth_change_drift": "change_drift",
}
MASK_SUFFIX = "_mask.npy"


def _root(name: str, ds_cfg: dict, download: str | None) -> Path:
    """``ds_cfg["root"]`` as an absolute path; a missing key says what to download."""
    root = ds_cfg.get("root")
    if not root:
        advice = (
            how_to_fix(download, f"datasets.{name}.root")
            if download
            else f"Set `datasets.{name}.root` in config.yaml."
        )
        raise DatasetError(f"dataset {name!r} has no root. {advice}")
    return Path(str(root)).expanduser().absolute()


def _split(ds_cfg: dict) -> int:
    split = ds_cfg.get("split")
    return 1 if split is None else split


def _read_synthetic(name: str, ds_cfg: dict, seed: int) -> Listing:
    # Imported here so the real-dataset readers never depend on the generator.
    synthetic = importlib.import_module("videoaug.data.synthetic")
    params = synthetic.SynthParams(
        seed=seed,
        **{field: ds_cfg[key] for key, field in SYNTH_PARAM_KEYS.items() if key in ds_cfg},
    )
    root = Path(synthetic.generate_synth4(_root(name, ds_cfg, None), params, progress=False))
    classes, records = read_ucf101(
        root,
        annotations=root,
        split=1,
        config_name=name,
        remedy=f"The synthetic tree at {root} is incomplete: delete it so it is regenerated.",
    )
    with_masks = []
    for record in records:
        mask = Path(record.path).with_name(Path(record.path).stem + MASK_SUFFIX)
        extra = {**record.extra, "mask_path": str(mask)} if mask.is_file() else record.extra
        with_masks.append(VideoRecord(**{**record.to_json(), "extra": extra}))
    return classes, with_masks


def _read_ucf101(name: str, ds_cfg: dict, seed: int) -> Listing:
    annotations = ds_cfg.get("annotations")
    return read_ucf101(
        _root(name, ds_cfg, UCF101_DOWNLOAD),
        annotations=Path(str(annotations)).expanduser().absolute() if annotations else None,
        split=_split(ds_cfg),
        config_name=name,
    )


def _read_hmdb51(name: str, ds_cfg: dict, seed: int) -> Listing:
    splits = ds_cfg.get("splits")
    return read_hmdb51(
        _root(name, ds_cfg, HMDB51_DOWNLOAD),
        splits=Path(str(splits)).expanduser().absolute() if splits else None,
        split=_split(ds_cfg),
        config_name=name,
    )


def _read_folder(name: str, ds_cfg: dict, seed: int) -> Listing:
    fraction = ds_cfg.get("test_fraction")
    return read_folder(
        _root(name, ds_cfg, None),
        trainlist=ds_cfg.get("trainlist"),
        testlist=ds_cfg.get("testlist"),
        test_fraction=DEFAULT_TEST_FRACTION if fraction is None else float(fraction),
        seed=seed,
        name=name,
    )


READERS: dict[str, Reader] = {
    "synthetic": _read_synthetic,
    "ucf101": _read_ucf101,
    "hmdb51": _read_hmdb51,
    "folder": _read_folder,
}


def load_records(name: str, ds_cfg: dict, seed: int) -> Listing:
    """``(classes, records)`` of dataset ``name`` configured by ``ds_cfg`` (``datasets.<name>``).

    Dispatches on ``ds_cfg["kind"]``, then applies the subset keys. Raises ``DatasetError`` with
    what to download and which config key to set when a dataset is missing or incomplete.
    """
    kind = ds_cfg.get("kind")
    if kind not in READERS:
        raise DatasetError(f"datasets.{name}.kind = {kind!r} is not one of {sorted(READERS)}")
    classes, records = READERS[kind](name, ds_cfg, seed)
    return apply_subset(
        records,
        classes,
        keep_classes=ds_cfg.get("classes"),
        train_per_class=ds_cfg.get("train_per_class"),
        train_limit_classes=ds_cfg.get("train_limit_classes"),
        seed=seed,
        name=name,
        test_per_class=ds_cfg.get("test_per_class"),
    )


def dataset_class_names(name: str, ds_cfg: dict, seed: int) -> list[str]:
    """The class names of a dataset without decoding anything (the DAG names per-class jobs).

    A subset's ``classes`` are known from the config; a synthetic set's are fixed by its
    ``synth_classes`` (synth4 or synth10); otherwise the reader
    lists the dataset (split files only, no video is opened).
    """
    if ds_cfg.get("classes"):
        return list(ds_cfg["classes"])
    if ds_cfg.get("kind") == "synthetic":
        synthetic = importlib.import_module("videoaug.data.synthetic")
        return list(synthetic.CLASS_SETS[ds_cfg.get("synth_classes", "synth4")])
    return load_records(name, ds_cfg, seed)[0]
