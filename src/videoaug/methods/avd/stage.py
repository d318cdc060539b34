"""Stages of the AVD family (Tavakolian, Sabokrou and Hadid, "AVD: Adversarial Video
Distillation", 2019) — one function per rule of ``workflow/rules/avd.smk``:

* :func:`optical_flow_shard` (``optical_flow``): bounded uint8 flow of every video of a frames
  shard -> ``cache/{ds}/flow/{shard}.h5``;
* :func:`train_avd_model` (``train_avd``): encoder/decoder/teacher on the training videos' clips
  (RGB frames or flow images) -> ``cache/{ds}/avd/{input}/model.pt``;
* :func:`distill_shard` (``distill``): one distilled image per clip window ->
  ``cache/{ds}/avd/{input}/{shard}.h5`` (image-store contract, with ``video_index``);
* :func:`train_avd_classifier` (``train_avd_classifier``): a 2D CNN on distilled images, RGB
  frames or flow frames, on the shared trainer -> ``results/{ds}_avd_{stream}.json``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from videoaug import meter
from videoaug.io.store import (
    FLOW_SCHEMA,
    FrameStore,
    FrameStoreWriter,
    atomic_store,
)
from videoaug.provenance import progress_bar, save_figure

log = logging.getLogger("videoaug")


def set_threads(threads: int) -> None:
    """Torch intra-op and OpenCV threads of an AVD job (config ``avd.threads``, never
    Snakemake's granted cores: the result must not depend on the machine)."""
    import cv2
    import torch

    torch.set_num_threads(int(threads))
    cv2.setNumThreads(int(threads))


# ------------------------------------------------------------------------------ optical flow
@dataclass(frozen=True)
class FlowParams:
    """What shapes a flow store (the rule's params; ``methods.avd.params.flow_params``).

    ``bound``: pixels, or ``"auto"`` — then :func:`optical_flow_shard` takes it from the
    ``flow/bound.json`` that :func:`flow_bound_stage` measured on the training videos."""

    method: str = "dis"
    options: dict = field(default_factory=dict)
    bound: float | str = 20.0
    compression: str = "lz4"
    threads: int = 1


def optical_flow_shard(frames_path: str | Path, params: FlowParams, out: str | Path,
                       bound_file: str | Path | None = None) -> dict:
    """Flow of each video of a frames shard: ``uint8 (T-1, H, W, 2)`` per video, bounded by
    ``params.bound`` pixels, or by the measured bound of ``bound_file`` when it is ``"auto"``
    (:func:`videoaug.methods.avd.flow.encode_flow`); the store's params record the bound used
    and where it came from (``bound_source``).

    A one-frame video has no frame pair; it gets one all-zero flow field (no observable motion),
    so every video keeps at least one flow frame.
    """
    from videoaug.methods.avd.flow import FlowComputer
    from videoaug.methods.avd.flow_bound import resolve_bound

    set_threads(params.threads)
    bound, source = resolve_bound(params.bound, bound_file)
    frames = FrameStore(frames_path)
    computer = FlowComputer(params.method, params.options)
    store_params = {"stage": "optical_flow", "frames": frames.params, **asdict(params),
                    "options": computer.options, "bound": bound, "bound_source": source}
    pairs = 0
    with atomic_store(out, FLOW_SCHEMA, store_params) as handle:
        writer = FrameStoreWriter(handle, params.compression, channels=2)
        for i in progress_bar(range(len(frames)), desc="optical flow", unit="video"):
            # streamed: a piece of frames in, its flow out (memory flat in clip length)
            written = writer.add_chunks(
                frames.video_ids[i],
                _flow_pieces(frames, i, computer, bound),
                label=int(frames.labels[i]), fps=frames.fps(i), source=frames.video_ids[i])
            pairs += written if frames.num_frames[i] > 1 else 0
        writer.close()
    frames.close()
    log.info("%s: %s flow of %d videos, %d frame pairs, bound %.3f px", out, params.method,
             len(frames), pairs, bound)
    return {"videos": len(frames), "pairs": pairs, "bound": bound}


def _flow_pieces(frames: FrameStore, i: int, computer, bound: float):
    """The encoded flow of video ``i`` piece by piece; one all-zero field for a one-frame video."""
    from videoaug.methods.avd.flow import encode_flow, stream_flow

    empty = True
    for flow in stream_flow(frames.read_chunks(i), computer):
        empty = False
        yield encode_flow(flow, bound)
    if empty:
        height, width = frames.read(i, np.zeros(1, np.int64)).shape[1:3]
        yield encode_flow(np.zeros((1, height, width, 2), dtype=np.float32), bound)


# ------------------------------------------------------------------------------ AVD training
INPUTS = ("rgb", "flow")
AVD_IMAGES_SCHEMA = "videoaug.avd_images/1"


@dataclass(frozen=True)
class AvdParams:
    """What shapes one AVD model and its distilled images (``stages.params.avd_params``):
    ``model`` holds :class:`videoaug.methods.avd.training.AVDConfig` fields."""

    input: str = "rgb"
    model: dict = field(default_factory=dict)
    frame_stride: int = 1
    window_stride: int = 16
    compression: str = "lz4"
    threads: int = 1
    device: str = "auto"
    seed: int = 0
    fit: str = "cover"

    def __post_init__(self) -> None:
        if self.input not in (*INPUTS, "di"):
            raise ValueError(f"avd input must be rgb, flow (or di for distill), got {self.input!r}")
        if self.fit not in FITS:
            raise ValueError(f"avd.fit {self.fit!r}: choose one of {FITS}")

    def avd_config(self):
        from videoaug.methods.avd.training import AVDConfig

        return AVDConfig.from_dict(self.model)


FITS = ("cover", "pad")  # avd.fit: how windows reach image_size, aspect kept (never squeezed)


def _resize(size: tuple[int, int], fit: str = "cover"):
    """Windows to ``size`` with the aspect kept: ``cover`` (scale to cover, centred crop) or
    ``pad`` (scale to fit, black bars), :class:`videoaug.train.transforms.FrameTransform`."""
    from videoaug.train.transforms import FrameTransform

    return FrameTransform(size=tuple(size), crop=fit)


def window_sampler(stores: Sequence[str | Path], manifest: dict, clip_len: int, frame_stride: int,
                   image_size: tuple[int, int], seed: int, fit: str = "cover"):
    """A :data:`videoaug.methods.avd.training.ClipSampler` over the training videos' clips.

    Clips: ``clip_len`` frames (every ``frame_stride``) from a random start of a random training
    video, brought to ``image_size`` by ``fit`` (aspect kept); real frames: one random frame of
    each clip of a second, independent draw. Everything random comes from the sampler's
    generator argument."""
    import torch

    from videoaug.train.datasets import ClipSamples

    clips = ClipSamples(stores, clip_len, frame_stride, _resize(image_size, fit), train=True,
                        split="train", manifest=manifest, seed=seed)
    if len(clips) == 0:
        raise ValueError(f"no training videos in {[str(s) for s in stores]}")

    def to_unit(batch):
        return batch.to(torch.float32) / 127.5 - 1.0

    def sample(batch_size: int, generator):
        clips.set_epoch(int(torch.randint(2**31 - 1, (1,), generator=generator)))
        first = torch.randint(len(clips), (batch_size,), generator=generator)
        second = torch.randint(len(clips), (batch_size,), generator=generator)
        frame = torch.randint(clip_len, (batch_size,), generator=generator)
        video = torch.stack([clips[int(i)][0] for i in first])
        real = torch.stack([clips[int(i)][0][:, int(t)]
                            for i, t in zip(second, frame, strict=True)])
        return to_unit(video), to_unit(real)

    return sample


def train_avd_model(manifest_path: str | Path, stores: Sequence[str | Path], params: AvdParams,
                    out: str | Path, curves: str | Path | None = None) -> dict:
    """Train E, D, T on the training videos' clips of ``stores`` (frames or flow shards) and
    write ``out`` (complete checkpoint). Periodic checkpoints go to ``out``'s side file
    ``model.partial.pt``, from which a killed job resumes; it is renamed to ``out`` at the end.
    ``curves``: optional PNG of the loss curves (the history is also in the checkpoint)."""
    from videoaug.methods.avd.training import train_avd
    from videoaug.provenance import read_json
    from videoaug.seeding import derive_seed
    from videoaug.train.device import resolve_device

    set_threads(params.threads)
    manifest = read_json(manifest_path)
    config = params.avd_config()
    sampler = window_sampler(stores, manifest, config.clip_len, params.frame_stride,
                             config.image_size,
                             derive_seed(config.seed, manifest["dataset"], "avd", params.input),
                             params.fit)
    out = Path(out)
    partial = out.with_name(out.stem + ".partial.pt")
    started = time.time()
    state = train_avd(sampler, config, partial, device=resolve_device(params.device),
                      log=log.info)
    partial.replace(out)
    if curves is not None:
        plot_loss_curves(state.history, curves, f"{manifest['dataset']} AVD({params.input})")
    log.info("%s: AVD(%s) trained %d iterations in %.0f s", out, params.input, state.iteration,
             time.time() - started)
    return {key: values[-1] for key, values in state.history.items()}


def plot_loss_curves(history: dict, out: str | Path, title: str) -> None:
    """PNG of AVD's loss terms per iteration (reconstruction, adversarial, teacher)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    axes[0].plot(history["rec_loss"], label="L_rec")
    axes[0].set_yscale("log")
    axes[1].plot(history["adv_loss"], label="L_adv (E)")
    axes[1].plot(history["teacher_loss"], label="teacher")
    for ax in axes:
        ax.set_xlabel("iteration")
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, out, dpi=100)


# ------------------------------------------------------------------------------- distillation
def window_starts(num_frames: int, clip_len: int, frame_stride: int,
                  window_stride: int) -> np.ndarray:
    """Starts of the distill windows of a video: every ``window_stride`` frames while a window of
    ``clip_len`` frames (every ``frame_stride``) fits.

    A video shorter than one window gets exactly one window at 0 whose frames loop (frame
    ``t mod num_frames``, as the clip datasets do), so every video has at least one image."""
    from videoaug.train.datasets import last_clip_start

    if num_frames < 1:
        raise ValueError("a video needs at least one frame")
    span = (clip_len - 1) * frame_stride + 1
    if num_frames < span:
        return np.zeros(1, dtype=np.int64)
    return np.arange(0, last_clip_start(num_frames, clip_len, frame_stride) + 1, window_stride,
                     dtype=np.int64)


def to_uint8_image(images) -> np.ndarray:
    """E's images ``(B, 3, H, W)`` in [-1, 1] -> ``uint8 (B, H, W, 3)`` (``(x + 1) · 127.5``)."""
    import torch

    array = ((images.clamp(-1, 1) + 1.0) * 127.5).round().to(dtype=torch.uint8)
    return array.permute(0, 2, 3, 1).contiguous().numpy()


def distill_shard(manifest_path: str | Path, store_path: str | Path, model_path: str | Path | None,
                  params: AvdParams, out: str | Path) -> dict:
    """One image per window of every video of a frames (``rgb``, ``di``) or flow (``flow``) shard.

    ``rgb``/``flow``: ``E(window)`` of the trained model at ``model_path``; ``di``: the dynamic
    image of the same window (approximate rank pooling, :func:`videoaug.dynamic.dynamic_image`),
    the closest method, for Table 4. Image-store contract: ``images uint8 (N, H, W, 3)``,
    ``labels``, ``video_index`` (position in the manifest), ``video_ids``, ``splits``,
    ``window_start``. Deterministic: E runs in eval mode (BatchNorm running statistics)."""
    import torch

    from videoaug.dynamic import dynamic_image
    from videoaug.io.store import ImageStoreWriter, open_video_store
    from videoaug.provenance import read_json
    from videoaug.stages.manifest import video_positions
    from videoaug.train.datasets import clip_indices

    set_threads(params.threads)
    manifest = read_json(manifest_path)
    position = video_positions(manifest)  # a shard manifest records each video's
    split = {str(v["id"]): str(v["split"]) for v in manifest["videos"]}
    config = params.avd_config()
    encoder = None
    if params.input != "di":
        from videoaug.methods.avd.training import load_encoder

        encoder, config = load_encoder(model_path)
    resize = _resize(config.image_size, params.fit)
    videos = open_video_store(store_path)
    columns = {"video_index": np.dtype(np.int64), "window_start": np.dtype(np.int64),
               "video_ids": np.dtype(object), "splits": np.dtype(object)}
    store_params = {"stage": "distill", "source": videos.params, **asdict(params),
                    "model": config.to_dict()}
    rng = np.random.default_rng(0)  # cover/pad draw nothing; the argument is required
    total = 0
    with atomic_store(out, AVD_IMAGES_SCHEMA, store_params) as handle:
        writer = ImageStoreWriter(handle, config.image_size, params.compression, columns)
        for i in progress_bar(meter.counted(range(len(videos)), "video", "video"),
                              desc=f"distill {params.input}", total=len(videos), unit="video"):
            video_id = videos.video_ids[i]
            frames = videos.as_image(videos.read(i))
            starts = window_starts(len(frames), config.clip_len, params.frame_stride,
                                   params.window_stride)
            windows = np.stack([resize(frames[clip_indices(len(frames), s, config.clip_len,
                                                           params.frame_stride)], rng)
                                for s in starts])  # (N, T, h, w, 3)
            if encoder is None:
                images = np.stack([dynamic_image(w) for w in windows])
            else:
                clips = torch.from_numpy(windows).permute(0, 4, 1, 2, 3).float() / 127.5 - 1.0
                with torch.inference_mode():
                    images = to_uint8_image(encoder(clips))
            n = len(images)
            writer.append(images, labels=np.full(n, int(videos.labels[i])),
                          video_index=np.full(n, position[video_id]), window_start=starts,
                          video_ids=np.array([video_id] * n, dtype=object),
                          splits=np.array([split[video_id]] * n, dtype=object))
            total += n
    videos.close()
    log.info("%s: %d %s images of %d videos", out, total, params.input, len(videos))
    return {"images": total, "videos": len(videos)}


# -------------------------------------------------------------------------------- classifiers
IMAGE_STREAMS = ("rgb", "flow", "di")         # distilled images (AVD(RGB), AVD(OF)) and DI
FRAME_STREAMS = ("frames_rgb", "frames_flow")  # per-frame classifiers on RGB / flow frames
STREAMS = FRAME_STREAMS + IMAGE_STREAMS


@dataclass(frozen=True)
class AvdClassifierParams:
    """What shapes one AVD classifier result (``stages.params.avd_classifier_params``)."""

    stream: str = "rgb"
    backbone: str = "tsn_resnet18"
    pretrained: str | None = None
    dropout: float = 0.5
    input_size: tuple[int, int] = (48, 48)
    test_frames: int = 8
    eval_batch_size: int = 8
    train: dict = field(default_factory=dict)
    threads: int = 1
    seed: int = 0
    dataset: str = ""
    test_dataset: str | None = None   # Table 3: test on another dataset's stores
    class_mapping: dict | None = None  # test class name -> train class name (None: equal names)

    def __post_init__(self) -> None:
        if self.stream not in STREAMS:
            raise ValueError(f"unknown AVD stream {self.stream!r}; valid: {', '.join(STREAMS)}")
        object.__setattr__(self, "input_size", tuple(int(v) for v in self.input_size))


def cross_labels(train_classes: Sequence[str], test_classes: Sequence[str],
                 mapping: dict | None) -> np.ndarray:
    """Map each test class to the training class index (``-1``: not shared, its videos are left
    out). ``mapping``: test class name -> training class name; ``None`` matches equal names.
    Entries whose key is not a test class are ignored, so one file can map both directions
    (UCF101 -> HMDB51 and HMDB51 -> UCF101: their class names differ); an entry whose training
    class is not in the training set (a subset of the dataset, or a typo) is left out with a
    warning naming it, and the call fails when no test class maps at all."""
    index = {name: i for i, name in enumerate(train_classes)}
    mapping = mapping if mapping is not None else {c: c for c in test_classes if c in index}
    mapping = {k: v for k, v in mapping.items() if k in set(test_classes)}
    unknown = sorted(v for v in mapping.values() if v not in index)
    if unknown:
        log.warning("class mapping: training classes %s do not exist (valid: %s); their test "
                    "classes are left out", unknown, list(train_classes))
    found = np.array([index.get(mapping.get(c, ""), -1) for c in test_classes], dtype=np.int64)
    if (found < 0).all():
        detail = f"; the mapping names training classes that do not exist: {unknown}" \
            if unknown else ""
        raise ValueError(f"no test class maps to a training class ({list(test_classes)} vs "
                         f"{list(train_classes)}){detail}; give avd.cross_mapping")
    return found


def _stream_data(params: AvdClassifierParams, stores: Sequence[str | Path], manifest: dict,
                 seed: int):
    """Training set and test views of a stream (see the module doc)."""
    from videoaug.train.datasets import ImageSamples, ImageViews, SegmentFrames
    from videoaug.train.transforms import eval_transform, tsn_train_transform

    size = params.input_size
    train_tf = tsn_train_transform(size, ccs=True, flip=True)  # size jitter, crop, flip (§4.2)
    test_tf = eval_transform(size, short_side=min(size))
    if params.stream in FRAME_STREAMS:
        # one random frame per video and epoch; test: test_frames centred frames, TSN consensus
        train = SegmentFrames(stores, 1, train_tf, train=True, split="train", manifest=manifest,
                              seed=seed)
        test = SegmentFrames(stores, params.test_frames, test_tf, train=False, split="test",
                             manifest=manifest, seed=seed + 1)
        return train, test
    train = ImageSamples(stores, split="train", transform=train_tf, schema=AVD_IMAGES_SCHEMA,
                         seed=seed)
    test = ImageViews(ImageSamples(stores, split="test", transform=test_tf,
                                   schema=AVD_IMAGES_SCHEMA, seed=seed + 1))
    return train, test


class _Relabelled:
    """Test views of another dataset with labels mapped to the training classes; videos of
    classes that are not shared are left out."""

    def __init__(self, views, label_map: np.ndarray) -> None:
        self.views = views
        self.keep = [i for i in range(len(views)) if label_map[int(views.labels[i])] >= 0]
        self.label_map = label_map
        self.labels = np.array([label_map[int(views.labels[i])] for i in self.keep])

    def __len__(self) -> int:
        return len(self.keep)

    def __getitem__(self, index: int):
        views, label, video_id = self.views[self.keep[index]]
        return views, int(self.label_map[int(label)]), video_id


def train_avd_classifier(manifest_path: str | Path, stores: Sequence[str | Path],
                         params: AvdClassifierParams, out: str | Path, scores_out: str | Path,
                         test_manifest_path: str | Path | None = None,
                         test_stores: Sequence[str | Path] | None = None) -> dict:
    """Train a 2D CNN on one stream on the shared trainer and test it: per-video score = mean of
    the softmax over the video's windows (image streams) or TSN consensus over ``test_frames``
    frames (frame streams). With ``test_stores`` (Table 3) the test videos come from another
    dataset, labels mapped by class name (or ``params.class_mapping``)."""
    import torch

    from videoaug.models.factory import build_model
    from videoaug.provenance import read_json, result_record, write_json
    from videoaug.seeding import derive_seed
    from videoaug.train.evaluate import test_and_save_scores
    from videoaug.train.trainer import TrainConfig, Trainer

    set_threads(params.threads)
    started = time.time()
    manifest = read_json(manifest_path)
    classes = list(manifest["classes"])
    seed = derive_seed(params.seed, manifest["dataset"], "avd_classifier", params.stream)
    train, test = _stream_data(params, stores, manifest, seed)
    empty = [c for i, c in enumerate(classes) if not (np.asarray(train.labels) == i).any()]
    if empty:
        raise ValueError(f"classes {empty} have no training items in {[str(s) for s in stores]}")
    test_dataset = manifest["dataset"]
    if test_stores:
        test_manifest = read_json(test_manifest_path)
        test_dataset = test_manifest["dataset"]
        _, other = _stream_data(params, test_stores, test_manifest, seed)
        test = _Relabelled(other, cross_labels(classes, test_manifest["classes"],
                                               params.class_mapping))
    model = build_model(params.backbone, len(classes), dropout=params.dropout,
                        pretrained=params.pretrained, seed=derive_seed(seed, "init"))
    trainer = Trainer(model, TrainConfig.from_dict({**params.train, "seed": seed}), len(classes))
    with torch.random.fork_rng(devices=[]):
        history = trainer.fit(train)
    metrics = test_and_save_scores(trainer, test, params.eval_batch_size, scores_out)
    metrics["per_class"] = dict(zip(classes, metrics["per_class"], strict=True))
    suffix = "" if not test_stores else f"_on_{test_dataset}"
    result = result_record(
        dataset=manifest["dataset"], method=f"avd_{params.stream}{suffix}", metrics=metrics,
        history=history,
        counts={"train_real": len(train), "train_generated": 0, "test_videos": len(test),
                "classes": len(classes)},
        config=asdict(params),
        inputs=[manifest_path, *stores, *([test_manifest_path, *test_stores] if test_stores
                                          else [])],
        seed=params.seed, started=started, test_dataset=test_dataset,
        model={"backbone": params.backbone, "init": getattr(model, "init_report", None)},
        device=str(trainer.device))
    write_json(out, result)
    log.info("%s avd %s: top-1 %.4f", manifest["dataset"], params.stream, metrics["top1"])
    return result


# ------------------------------------------------------------------------------------- figure
def image_spread(images: np.ndarray, labels: np.ndarray) -> dict:
    """How much distilled images ``uint8 (N, H, W, 3)`` differ, in grey levels: ``within`` (mean
    per-image standard deviation over its pixels), ``between_clips`` (mean absolute difference of
    each image from the mean image) and ``between_classes`` (mean absolute difference between
    the class-mean images, over class pairs; 0 with one class). A stream that collapsed to one
    flat image per clip has all three near 0."""
    x = np.asarray(images, dtype=np.float64)
    labels = np.asarray(labels)
    if len(x) == 0:
        return {"within": 0.0, "between_clips": 0.0, "between_classes": 0.0, "images": 0}
    means = [x[labels == c].mean(0) for c in np.unique(labels)]
    pairs = [np.abs(a - b).mean() for i, a in enumerate(means) for b in means[i + 1:]]
    return {"within": float(x.reshape(len(x), -1).std(1).mean()),
            "between_clips": float(np.abs(x - x.mean(0)).mean()),
            "between_classes": float(np.mean(pairs)) if pairs else 0.0, "images": len(x)}


def figure_avd(manifest_path: str | Path, frames_paths: Sequence[str | Path],
               rgb_paths: Sequence[str | Path], flow_paths: Sequence[str | Path], videos: int,
               out: str | Path, frames_shown: int = 4) -> dict:
    """Fig. 1 of the paper: per test video (one per class first), ``frames_shown`` frames (each
    titled with its index), the dynamic image of the whole video, and the AVD images of its first
    RGB and flow window (titled with their own standard deviation). The title gives each AVD
    stream's :func:`image_spread` over all its images; returned as ``{"rgb": ..., "flow": ...}``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from videoaug.dynamic import dynamic_image
    from videoaug.io.store import ImageStore
    from videoaug.provenance import read_json

    manifest = read_json(manifest_path)
    classes = manifest["classes"]
    tests = [v for v in manifest["videos"] if v["split"] == "test"]
    by_class = {}
    for video in tests:
        by_class.setdefault(int(video["label"]), str(video["id"]))
    chosen = list(by_class.values())[:videos]

    def read_stream(paths) -> tuple[dict[str, np.ndarray], dict]:
        found, images, labels = {}, [], []
        for path in paths:
            store = ImageStore(path, AVD_IMAGES_SCHEMA)
            ids = store.column("video_ids")
            images.append(store.images(np.arange(len(store))))
            labels.append(store.labels)
            for row, video_id in enumerate(ids):
                if video_id in chosen and video_id not in found:
                    found[str(video_id)] = images[-1][row]
            store.close()
        return found, image_spread(np.concatenate(images), np.concatenate(labels))

    (rgb, rgb_spread), (flow, flow_spread) = read_stream(rgb_paths), read_stream(flow_paths)
    clips = {}
    for path in frames_paths:
        store = FrameStore(path)
        for i, video_id in enumerate(store.video_ids):
            if video_id in chosen:
                clips[video_id] = store.read(i)
        store.close()
    columns = frames_shown + 3
    fig, axes = plt.subplots(len(chosen), columns, squeeze=False,
                             figsize=(1.5 * columns, 1.4 * len(chosen) + 0.4))
    for r, video_id in enumerate(chosen):
        clip = clips[video_id]
        picks = np.linspace(0, len(clip) - 1, frames_shown).round().astype(int)
        panels = [*(clip[t] for t in picks), dynamic_image(clip), rgb.get(video_id),
                  flow.get(video_id)]
        names = [*(f"frame {t}" for t in picks), "dynamic image", "AVD (RGB)", "AVD (OF)"]
        for c, (panel, name) in enumerate(zip(panels, names, strict=True)):
            ax = axes[r, c]
            if panel is not None:
                ax.imshow(panel)
                if c >= frames_shown + 1:
                    name += f"\nσ={panel.astype(np.float64).std():.1f}"
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(name if (r == 0 or c < frames_shown or c > frames_shown) else "",
                         fontsize=6)
        label = next(int(v["label"]) for v in tests if str(v["id"]) == video_id)
        axes[r, 0].set_ylabel(classes[label], fontsize=7)

    def spread_text(name: str, spread: dict) -> str:
        return (f"{name}: clips differ from the mean image by {spread['between_clips']:.1f}, "
                f"classes by {spread['between_classes']:.1f} grey levels")

    fig.suptitle(f"{manifest['dataset']}: videos, dynamic images and AVD images\n"
                 f"{spread_text('AVD(RGB)', rgb_spread)}; {spread_text('AVD(OF)', flow_spread)}",
                 fontsize=7)
    fig.tight_layout()
    save_figure(fig, out)
    return {"rgb": rgb_spread, "flow": flow_spread}
