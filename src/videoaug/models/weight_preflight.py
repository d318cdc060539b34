"""Pretrained weights checked while Snakemake builds the DAG, before any job runs.

A config that asks for ``imagenet`` / ``kinetics400`` / ``coco`` weights downloads them inside
the job that builds the model (:mod:`videoaug.models.weights`), into
``$TORCH_HOME/hub/checkpoints/<file name of the URL>``. On a node without internet that job
would fail hours into a run; :func:`weight_problem` says so first, in one line naming the file,
where to put it and the config key that asked for it. A local state_dict path must exist.

Whether the network is reachable is asked once per host (a 5 s HEAD request), and only when the
file is not already cached; ``VIDEOAUG_OFFLINE=1`` skips the question (no network).
:func:`write_random_weights` saves a randomly initialised torchvision model in torchvision's
own format under that file name: the paper-scale smoke run (``make smoke-paper``) loads it
through the same code a user's download would.
"""

from __future__ import annotations

import functools
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

NAMED = ("imagenet", "kinetics400", "coco")
OFFLINE_ENV = "VIDEOAUG_OFFLINE"
MASKRCNN = "maskrcnn_resnet50_fpn"


@dataclass(frozen=True)
class WeightNeed:
    """A config key that asks for pretrained weights of ``arch`` from ``source`` (a named source
    or a state_dict path)."""

    key: str
    arch: str
    source: str


def torchvision_arch(backbone: str) -> str:
    """The torchvision architecture behind one of our backbones (``tsn_resnet50`` -> resnet50)."""
    return backbone.removeprefix("tsn_")


def weights_enum(arch: str, source: str):
    """torchvision's weight enum for ``(arch, source)``, or ``None`` when torchvision has none."""
    if (arch, source) == (MASKRCNN, "coco"):
        from torchvision.models.detection import MaskRCNN_ResNet50_FPN_Weights

        return MaskRCNN_ResNet50_FPN_Weights.COCO_V1
    from videoaug.models.weights import TORCHVISION_WEIGHTS, torchvision_weights

    if (arch, source) not in TORCHVISION_WEIGHTS:
        return None
    return torchvision_weights(arch, source)


def cached_file(weights) -> Path:
    """``$TORCH_HOME/hub/checkpoints/<file name of the URL>``: where torch.hub keeps ``weights``."""
    from videoaug.models.weights import cached_weights_path

    return cached_weights_path(weights)


@functools.cache
def _reachable(host_url: str, timeout: float) -> bool:
    request = urllib.request.Request(host_url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # the server answered
    except (urllib.error.URLError, OSError, ValueError):
        return False


def network_reachable(url: str, timeout: float = 5.0) -> bool:
    """Whether ``url``'s host answers (cached per host); ``VIDEOAUG_OFFLINE=1`` means no."""
    if os.environ.get(OFFLINE_ENV, "") not in ("", "0"):
        return False
    parts = urllib.parse.urlsplit(url)
    return _reachable(f"{parts.scheme}://{parts.netloc}/", timeout)


def weight_problem(need: WeightNeed) -> str | None:
    """One line saying why the job of ``need`` could not load its weights, or ``None``."""
    source = need.source
    if source not in NAMED:
        path = Path(source).expanduser()
        if path.is_file():
            return None
        return (f"{need.key} = {source}: no such state_dict file (relative paths are read from "
                f"the directory Snakemake runs in, {Path.cwd()}); put the file there or set "
                f"{need.key} to null, imagenet or kinetics400")
    weights = weights_enum(need.arch, source)
    if weights is None:
        return (f"{need.key} = {source}: torchvision has no {source} weights for {need.arch}; "
                f"set {need.key} to the path of a local state_dict file or to null")
    target = cached_file(weights)
    if target.is_file() or network_reachable(weights.url):
        return None
    home = os.environ.get("TORCH_HOME")
    return (f"{need.key} = {source} needs {weights} and there is no network to download it: "
            f"place {weights.url} at {target} (TORCH_HOME={home or '<unset>'}), or set "
            f"{need.key} to the path of that file")


def write_random_weights(arch: str, source: str, seed: int = 0) -> Path:
    """Save a randomly initialised torchvision ``arch`` as the file of ``(arch, source)``
    (``$TORCH_HOME/hub/checkpoints/...``), in torchvision's key layout; returns its path.

    For smoke runs only: the file loads like a download but its weights are random.
    """
    import torch
    import torchvision

    weights = weights_enum(arch, source)
    if weights is None:
        raise ValueError(f"torchvision has no {source} weights for {arch}")
    torch.manual_seed(seed)
    if arch == MASKRCNN:
        model = torchvision.models.detection.maskrcnn_resnet50_fpn(
            weights=None, weights_backbone=None, num_classes=len(weights.meta["categories"]))
    else:
        options = {"aux_logits": True, "init_weights": True} if arch == "googlenet" else {}
        builder = getattr(torchvision.models.video, arch, None) or getattr(torchvision.models,
                                                                            arch)
        model = builder(weights=None, num_classes=len(weights.meta["categories"]), **options)
    target = cached_file(weights)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    torch.save(model.state_dict(), tmp)
    os.replace(tmp, target)
    return target


def config_weight_needs(config: dict) -> list[WeightNeed]:
    """Every named-source weight a config can ask for (the families' classifier and feature
    keys, the Mask R-CNN segmenter): what a smoke run places before it starts."""
    needs: list[WeightNeed | None] = []

    def need(key: str, backbone: str, pretrained: str | None,
             arch: str | None = None) -> WeightNeed | None:
        if not pretrained:
            return None
        return WeightNeed(key, arch or torchvision_arch(str(backbone)), str(pretrained))

    sps, tda, l2a, avd = (config.get(k, {}) for k in ("sps", "tda", "l2a", "avd"))
    needs.append(need("sps.pretrained", sps.get("backbone", ""), sps.get("pretrained")))
    needs.append(need("tda.pretrained", tda.get("backbone", ""), tda.get("pretrained")))
    classifier = {**tda, **l2a.get("classifier", {})}
    needs.append(need("l2a.classifier.pretrained", classifier.get("backbone", ""),
                      classifier.get("pretrained")))
    selector = l2a.get("selector", {})
    needs.append(need("l2a.selector.feature_pretrained", selector.get("feature_net", ""),
                      selector.get("feature_pretrained")))
    segmenters = {l2a.get("segmenter", ""), *l2a.get("segmenter_by_dataset", {}).values()}
    if any("torchvision" in s.split("+") for s in segmenters):
        needs.append(need("l2a.torchvision.weights", "", l2a.get("torchvision", {}).get("weights"),
                          arch=MASKRCNN))
    cls = avd.get("classifier", {})
    for backbone in dict.fromkeys([cls.get("backbone", ""), *cls.get("table2_backbones", [])]):
        needs.append(need("avd.classifier.pretrained", backbone, cls.get("pretrained")))
    return list(dict.fromkeys(n for n in needs if n is not None))
