"""Cache paths of the AVD family (used by workflow/rules/avd.smk; pure functions of the config).

``cache/{ds}/frames/{shard}.h5`` (RGB frames), ``cache/{ds}/flow/{shard}.h5`` (optical flow),
``cache/{ds}/avd/{input}/{shard}.h5`` (distilled images, ``input`` = rgb | flow | di)."""

from __future__ import annotations

from videoaug.methods.avd.params import split_avd_stream
from videoaug.stages.params import num_shards


def shards(config: dict, ds: str, kind: str) -> list[str]:
    """Every shard path of ``cache/{ds}/{kind}/`` (kind: frames, flow, avd/rgb, ...)."""
    return [f"{config['cache_dir']}/{ds}/{kind}/{s}.h5" for s in range(num_shards(config, ds))]


def source_shards(config: dict, ds: str, input_name: str) -> list[str]:
    """What an AVD input is made from: flow shards for ``flow``, frames shards otherwise."""
    return shards(config, ds, "flow" if input_name == "flow" else "frames")


def stream_stores(config: dict, ds: str, stream: str) -> list[str]:
    """Stores a classifier stream reads: frames (frames_rgb), flow (frames_flow) or the
    distilled images of ``rgb``, ``flow``, ``di`` (a ``-<backbone>`` suffix is ignored)."""
    base = split_avd_stream(stream)[0]
    kind = {"frames_rgb": "frames", "frames_flow": "flow"}.get(base, f"avd/{base}")
    return shards(config, ds, kind)


def cross_stores(config: dict, ds: str, target: str, stream: str) -> list[str]:
    """Test stores of Table 3 (a classifier trained on ``ds``, tested on ``target``): the target's
    frames or flow for the frame streams, its dynamic images for ``di``, and for ``rgb``/``flow``
    the target's videos distilled by **``ds``'s encoder** (``cache/{target}/avd/{input}_by_{ds}/``):
    the system trained on one dataset (encoder and classifier) meets the other's raw videos, and
    no second AVD model is trained for the test dataset."""
    base = split_avd_stream(stream)[0]
    if base in ("rgb", "flow"):
        return shards(config, target, f"avd/{base}_by_{ds}")
    return stream_stores(config, target, stream)
