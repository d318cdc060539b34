"""Learn2Augment ablations (Gowda et al. 2022, Tables 1 and 2): which pairs, which transform.

Every ablation is a classifier run ``results/{ds}_{method}.json`` on the shared recipe
(:func:`videoaug.methods.l2a.train_stage.train_l2a`) with the **same number of augmented samples**
(``l2a.budget``) as the full method; only how the pairs are chosen and turned into clips changes.

Table 1 switches (the paper's three components):

* **Selector** on: the first ``budget`` pairs of a ``pairs.h5`` scored by a Selector trained
  under the row's own settings (its own ``selector.pt``/``pairs.h5`` under
  ``cache/{ds}/l2a/ablate/{key}/`` unless it is the full method's); off: ``budget`` pairs drawn
  uniformly (seeded) from the row's search space — rows with the same search space draw the same
  pairs, so they differ only by the transform.
* **Video Compositing** on: Eq. 1 with the union mask on the inpainted background; off: MixUp
  of the two raw videos with one ``λ ~ Beta(a, a)`` per pair (no mask, no inpainting;
  :func:`videoaug.methods.l2a.compose.mixup_clip`, ``l2a.ablation.mixup_alpha``).
* **Semantic Matching** on: ``V2`` from the class ``matches.json`` gives for ``V1``'s class
  (search space ``Σ_v n_{match(c_v)}``, 1,600 on synth4); off: ``V2`` any other training video
  (``N·(N − 1)``, 6,320 on synth4). The paper's #Videos column grows about 100× (99K → 10.4M on
  UCF101's 101 classes) when matching is off: every video may pair with every video, not with a
  different single class, which is what ``l2a.match_mode: random`` would give.

Table 2 (each with its own Selector, trained with the variant's composites in its REINFORCE
loop, since the reward measures what those composites do to the classifier): w/o Inpaint (raw
background), w/o Segmentation (instance boxes instead of masks), w/o Objects (people only),
w/o All (boxes of the people on the raw background).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from videoaug.methods.l2a.compose import Variant


@dataclass(frozen=True)
class Ablation:
    """One row: Selector on/off, compositing (``"composite"``) or MixUp (``"mixup"``),
    matched or any pairs, and the composite's mask and background (Table 2)."""

    selector: bool = True
    blend: str = "composite"
    pairing: str = "matched"
    mask: str = "union"
    background: str = "inpainted"

    def variant(self, mixup_alpha: float = 1.0) -> Variant:
        return Variant(self.mask, self.background, self.blend, float(mixup_alpha))

    def switches(self) -> dict:
        """The record a result carries (``result["ablation"]``)."""
        return {"selector": self.selector, "video_compositing": self.blend == "composite",
                "semantic_matching": self.pairing == "matched", **asdict(self)}


def _table1() -> dict[str, Ablation]:
    rows = {}
    for selector in (True, False):
        for blend in ("composite", "mixup"):
            for pairing in ("matched", "any"):
                name = "l2a" + ("" if selector else "_random") + \
                    ("" if blend == "composite" else "_nocomp") + \
                    ("" if pairing == "matched" else "_nomatch")
                rows[name] = Ablation(selector, blend, pairing)
    return rows


TABLE1 = _table1()
"""``l2a`` (all on), ``l2a_random`` (no Selector), ``l2a_nocomp``, ``l2a_nomatch``,
``l2a_nocomp_nomatch`` (Selector only), ``l2a_random_nomatch`` (Compositing only),
``l2a_random_nocomp`` (Matching only), ``l2a_random_nocomp_nomatch`` (none)."""
TABLE2 = {
    "l2a": Ablation(),
    "l2a_noinpaint": Ablation(background="raw"),
    "l2a_noseg": Ablation(mask="boxes"),
    "l2a_noobj": Ablation(mask="people"),
    "l2a_noall": Ablation(mask="people_boxes", background="raw"),
}
ABLATIONS = {**TABLE1, **TABLE2}
NEW_METHODS = tuple(m for m in ABLATIONS if m not in ("l2a", "l2a_random"))
"""Methods this module adds to ``train_l2a`` (``l2a`` and ``l2a_random`` existed before)."""
SELECTOR_KEYS = tuple(m[len("l2a_"):] for m, a in ABLATIONS.items() if a.selector and m != "l2a")
"""Selectors of their own: ``cache/{ds}/l2a/ablate/{key}/selector.pt`` (and ``pairs.h5``)."""


def ablation(method: str) -> Ablation | None:
    return ABLATIONS.get(method)


def selector_key(method: str) -> str | None:
    """``"nocomp"`` for ``l2a_nocomp``; ``None`` for the full method and Selector-less rows."""
    abl = ablation(method)
    if abl is None or not abl.selector or method == "l2a":
        return None
    return method[len("l2a_"):]


def pairs_store(method: str) -> str | None:
    """The ``pairs.h5`` a method reads, relative to ``cache/{ds}``: its own Selector's, the full
    method's (``l2a``, and Selector-less matched rows, which draw from its search space), or
    ``None`` (no pairs or any-pairs rows, whose space comes from the manifest)."""
    abl = ablation(method)
    if abl is None:
        return None
    key = selector_key(method)
    if key is not None:
        return f"l2a/ablate/{key}/pairs.h5"
    if abl.selector or abl.pairing == "matched":
        return "l2a/pairs.h5"
    return None


def uses_masks(method: str) -> bool:
    """Whether a run reads the mask and background stores (not MixUp rows, not ``l2a_none``)."""
    if method == "l2a_none":
        return False
    abl = ablation(method)
    return abl is None or abl.blend == "composite"
