"""Patch the unpacked sdist of ``pb1-detectron2==0.6`` so it installs as pure Python on CPU with
torch 2.14 / Python 3.11 / numpy 2 / Pillow 13 (run by scripts/install_detectron2.sh).

What and why (each measured on this project's pins):
* ``setup.py``: no C++/CUDA extension and no ``import torch`` at build time (the build would need
  a compiler and torch inside pip's isolated env); ``black`` unpinned (``21.4b2`` does not
  install on Python 3.11 with today's click); the 92 model-zoo configs listed as package data
  (the sdist's glob looks for a top-level ``configs/`` that the sdist does not ship).
* ``detectron2/_C.py``: a stand-in for the extension. ROIAlign and NMS come from torchvision;
  only rotated boxes, deformable convolution and the fast COCO evaluator are lost, and using them
  raises an error that says so.
* Pillow ``Image.LINEAR`` → ``Image.BILINEAR`` (removed in Pillow 10).
* numpy's removed aliases ``np.bool``/``np.int``/``np.float``/``np.object`` → builtins.
* ``pkg_resources`` (removed from setuptools 80's runtime) → the package folder via ``__file__``.

Usage: ``python scripts/patch_detectron2.py SRC_DIR``. Idempotent; exits non-zero naming the file
when an expected pattern is missing (a different sdist).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

STANDIN = '''"""Stand-in for detectron2's C++ extension (videoaug: installed as pure Python).

ROIAlign and NMS come from torchvision; rotated boxes, deformable convolution and the fast COCO
evaluator need the compiled extension, which this CPU install does not build.
"""


def __getattr__(name):
    raise NotImplementedError(
        f"detectron2._C.{name} needs detectron2's compiled extension, which this pure-Python "
        "install (scripts/install_detectron2.sh) leaves out; use axis-aligned boxes and "
        "standard convolutions (Mask R-CNN R50-FPN needs neither)"
    )
'''

NUMPY_ALIASES = {"bool": "bool", "int": "int", "float": "float", "object": "object"}


def _replace(path: Path, old: str, new: str, required: bool = True) -> None:
    text = path.read_text()
    if old not in text:
        if required and new not in text:
            raise SystemExit(f"{path}: expected {old!r}; is this pb1-detectron2 0.6?")
        return
    path.write_text(text.replace(old, new))


def patch(src: Path) -> None:
    setup = src / "setup.py"
    text = setup.read_text()
    text = text.replace("import torch\nfrom torch.utils.cpp_extension import CUDA_HOME, "
                        "CppExtension, CUDAExtension\n", "")
    text = re.sub(r"torch_ver = \[int\(x\).*?\nassert torch_ver.*?\n", "", text, flags=re.S)
    text = text.replace("    ext_modules=get_extensions(),\n", "")
    text = text.replace('    cmdclass={"build_ext": torch.utils.cpp_extension.BuildExtension},\n',
                        "")
    text = text.replace('"black==21.4b2"', '"black"')
    text = text.replace('package_data={"detectron2.model_zoo": get_model_zoo_configs()}',
                        'package_data={"detectron2.model_zoo": ["configs/**/*.yaml", '
                        '"configs/**/*.py"]}')
    call = text.split("\nsetup(", 1)[1]
    for needle in ("get_extensions()", "cpp_extension", "black==", "get_model_zoo_configs()"):
        if needle in call:
            raise SystemExit(f"{setup}: could not remove {needle!r} from setup()")
    if "\nimport torch\n" in text:
        raise SystemExit(f"{setup}: could not remove the module-level torch import")
    setup.write_text(text)

    (src / "detectron2" / "_C.py").write_text(STANDIN)

    for path in (src / "detectron2").rglob("*.py"):
        text = path.read_text()
        new = text.replace("Image.LINEAR", "Image.BILINEAR")
        for alias, builtin in NUMPY_ALIASES.items():
            new = re.sub(rf"\bnp\.{alias}\b(?![_\d])", builtin, new)
        if new != text:
            path.write_text(new)

    zoo = src / "detectron2" / "model_zoo" / "model_zoo.py"
    _replace(zoo, "import pkg_resources\n", "")
    _replace(zoo, 'cfg_file = pkg_resources.resource_filename(\n'
                  '        "detectron2.model_zoo", os.path.join("configs", config_path)\n    )',
             'cfg_file = os.path.join(os.path.dirname(__file__), "configs", config_path)')
    leftovers = [str(p) for p in (src / "detectron2").rglob("*.py")
                 if "pkg_resources" in p.read_text()]
    if leftovers:
        raise SystemExit(f"pkg_resources still used in {leftovers}")
    configs = list((src / "detectron2" / "model_zoo" / "configs").rglob("*.yaml"))
    if len(configs) < 90:
        raise SystemExit(f"expected the model-zoo configs under {src}, found {len(configs)}")
    print(f"patched {src}: {len(configs)} model-zoo configs, _C stand-in written")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python scripts/patch_detectron2.py SRC_DIR")
    patch(Path(sys.argv[1]))
