"""The embedded dataset ``synth4``: procedurally rendered, H.264-encoded action clips.

Four classes (:data:`SYNTH4_CLASSES`) of an anti-aliased stick figure performing a class-specific
motion cycle over a background. Classes are meant to be separable by *motion*, not by one frame:

* backgrounds come from one shared pool of styles (grass, sand, snow, wall, gradient, blobs);
  each class has a typical style that it is forced to with probability ``1 - 0.5 * difficulty``,
  otherwise the style is drawn uniformly from the whole pool;
* the figure's colour, thickness, size, position, facing, speed and phase are random per clip.

``synth10`` (``SynthParams.class_set = "synth10"``, :data:`SYNTH10_CLASSES`) renders the same way
with six more UCF101 actions (JumpingJack, BodyWeightSquats, JumpRope, Lunges, Punch,
WalkingWithDog) for Learn2Augment's few-shot setting (5 seen + 5 novel classes). A clip's draws
depend only on ``(seed, class, index, split)``, so synth4's classes render the same clips in
both sets and synth4 itself is unchanged.

``difficulty`` (``SynthParams.difficulty``, default 1) scales every nuisance factor linearly:
pixel noise std ``4 * d`` (0..255 scale), camera jitter std ``d * max(H, W) / 100`` pixels,
brightness flicker std ``0.04 * d``, the log-spread of the cycle period ``+-0.35 * d`` and the
background sharing probability ``min(1, 0.5 * d)``. ``d = 0`` gives clean, typical-background clips.

Randomness is drawn in exactly one place, :func:`sample_clip_spec`, from a NumPy generator seeded
with ``derive_seed(seed, "synth4", class_name, index, split)``; :func:`draw_clip` applies it.
:func:`generate_synth4` writes a UCF101-like folder (``ClassName/v_ClassName_gGG_cCC.mp4``,
``trainlist01.txt``, ``testlist01.txt``, ``classInd.txt``), a ground-truth foreground mask per
clip (``ClassName/<stem>_mask.npy``: uint8 0/1, ``(T, H, W)``) and, last, ``synth4.json`` with
the parameters and a sha256 per file, so a killed generation is seen as incomplete.

Encoding: libx264 (``threads=1``, ``+bitexact`` muxing), yuv420p. With one encoder thread the
bytes depend only on the frames and the ffmpeg/x264 build, so the same seed gives identical files.

Modules, in dependency order (no import cycles; each imports only those above it):

* :mod:`.params`: class sets, domains, :class:`SynthParams`, :class:`BackgroundSpec`,
  :class:`ClipSpec`;
* :mod:`.raster`: cv2 sub-pixel coordinates;
* :mod:`.scene`: background styles, sampling and painting;
* :mod:`.clip`: :func:`sample_clip_spec` (all random draws, camera jitter included) and the
  ``shift`` domain;
* :mod:`.figure`: poses, figure geometry, the figure of one frame;
* :mod:`.render`: :func:`draw_clip`, :func:`render_clip`;
* :mod:`.encode`: H.264, masks, atomic writes;
* :mod:`.dataset`: entries, split files, manifest, :func:`generate_synth4`,
  :func:`synth4_records`.

This package re-exports every public name of those modules (and ``_manifest_identity``, which
tests import), so ``from videoaug.data.synthetic import X`` works as it did for the single module.
"""

from videoaug.data.synthetic.clip import (
    sample_clip_spec,
    shifted_domain,
)
from videoaug.data.synthetic.dataset import (
    CLIPS_PER_GROUP,
    MANIFEST_NAME,
    RENDERER_VERSION,
    SCHEMA,
    ClipEntry,
    _manifest_identity,
    clip_rng,
    dataset_entries,
    generate_synth4,
    is_complete,
    split_file_texts,
    synth4_records,
)
from videoaug.data.synthetic.encode import (
    ENCODER_SETTINGS,
    encode_h264,
)
from videoaug.data.synthetic.figure import (
    POSE_FUNCTIONS,
    FigureGeometry,
    Pose,
    Segment,
    clip_geometry,
    figure_geometry,
    golf_swing_pose,
    jump_rope_pose,
    jumping_jack_pose,
    lunge_pose,
    punch_pose,
    shotput_pose,
    skiing_pose,
    squat_pose,
    walking_pose,
    yoyo_pose,
)
from videoaug.data.synthetic.params import (
    CLASS_SETS,
    DOMAINS,
    SYNTH4_CLASSES,
    SYNTH10_CLASSES,
    BackgroundSpec,
    ClipSpec,
    SynthParams,
)
from videoaug.data.synthetic.render import (
    draw_clip,
    render_clip,
)
from videoaug.data.synthetic.scene import (
    BACKGROUND_KINDS,
    paint_background,
    sample_background,
)

__all__ = [
    "BACKGROUND_KINDS",
    "BackgroundSpec",
    "CLASS_SETS",
    "CLIPS_PER_GROUP",
    "ClipEntry",
    "ClipSpec",
    "DOMAINS",
    "ENCODER_SETTINGS",
    "FigureGeometry",
    "MANIFEST_NAME",
    "POSE_FUNCTIONS",
    "Pose",
    "RENDERER_VERSION",
    "SCHEMA",
    "SYNTH10_CLASSES",
    "SYNTH4_CLASSES",
    "Segment",
    "SynthParams",
    "_manifest_identity",
    "clip_geometry",
    "clip_rng",
    "dataset_entries",
    "draw_clip",
    "encode_h264",
    "figure_geometry",
    "generate_synth4",
    "golf_swing_pose",
    "is_complete",
    "jump_rope_pose",
    "jumping_jack_pose",
    "lunge_pose",
    "paint_background",
    "punch_pose",
    "render_clip",
    "sample_background",
    "sample_clip_spec",
    "shifted_domain",
    "shotput_pose",
    "skiing_pose",
    "split_file_texts",
    "squat_pose",
    "synth4_records",
    "walking_pose",
    "yoyo_pose",
]
