"""A small linear model beside the rules: hashed word and character n-grams, logistic regression.

It catches what phrase rules miss when people say the same thing in other words. It is trained
offline by `python -m moderation.train` on data the project may use (see that module) and ships
as two files per category under `moderation/models/`: a msgspec JSON header and the weights as
little-endian float32. Nothing is fetched at run time. Pure Python, so no new dependency; about
0.1-1 ms per post, which is why the service runs it off the event loop.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
import zlib
from array import array
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import msgspec

from .normalize import NormalizedText
from .types import Category, Finding

MODELS_DIR = Path(__file__).resolve().parent / "models"
_WORD = re.compile(r"[a-z0-9']+")
_CHAR_NGRAMS = (3, 4, 5)


class TrainingSource(msgspec.Struct, frozen=True):
    """One file a model was trained on, so a reader can check the weights match the data."""

    file: str
    sha256: str
    rows: int


class ModelHeader(msgspec.Struct, frozen=True):
    """Everything about a model except its weights."""

    category: Category
    bits: int
    bias: float
    threshold: float
    severity: int
    epochs: int
    l2: float
    seed: int
    training: list[TrainingSource]


def features(text: str, bits: int) -> dict[int, float]:
    """Hashed features of a post: words, word pairs and 3-5 character pieces of each word.

    Counts are damped (1 + log) and the vector is L2-normalised, so long posts are not louder.
    crc32 keeps the hashing identical across processes and machines (Python's hash() is not).
    """
    mask = (1 << bits) - 1
    folded = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'").replace("\u2018", "'")
    words = _WORD.findall(folded)
    counts: dict[int, int] = {}

    def add(piece: str) -> None:
        h = zlib.crc32(piece.encode()) & mask
        counts[h] = counts.get(h, 0) + 1

    previous = ""
    for word in words:
        add("w:" + word)
        if previous:
            add("b:" + previous + " " + word)
        previous = word
        padded = " " + word + " "
        for n in _CHAR_NGRAMS:
            for i in range(len(padded) - n + 1):
                add(padded[i : i + n])
    damped = {k: 1.0 + math.log(c) for k, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in damped.values())) or 1.0
    return {k: v / norm for k, v in damped.items()}


def sigmoid(z: float) -> float:
    """Logistic function, clamped so extreme scores cannot overflow."""
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class LinearModel:
    """One category's weights and decision threshold."""

    __slots__ = ("header", "weights")

    def __init__(self, header: ModelHeader, weights: array[float]) -> None:
        if len(weights) != 1 << header.bits:
            raise ValueError(f"model {header.category.value}: expected {1 << header.bits} weights, got {len(weights)}")
        self.header = header
        self.weights = weights

    def score_features(self, feats: dict[int, float]) -> float:
        """Probability-like score in [0, 1] from features computed with this model's `bits`."""
        w = self.weights
        return sigmoid(self.header.bias + sum(w[k] * v for k, v in feats.items()))

    def save(self, directory: Path) -> None:
        """Write `<category>.json` and `<category>.f32` into directory."""
        directory.mkdir(parents=True, exist_ok=True)
        name = self.header.category.value
        (directory / f"{name}.json").write_bytes(msgspec.json.format(msgspec.json.encode(self.header)) + b"\n")
        weights = array("f", self.weights)
        if sys.byteorder != "little":
            weights.byteswap()
        (directory / f"{name}.f32").write_bytes(weights.tobytes())

    @classmethod
    def load(cls, header_path: Path) -> LinearModel:
        """Read a model written by save()."""
        header = msgspec.json.decode(header_path.read_bytes(), type=ModelHeader)
        weights = array("f")
        weights.frombytes(header_path.with_suffix(".f32").read_bytes())
        if sys.byteorder != "little":
            weights.byteswap()
        return cls(header, weights)


class LinearClassifier:
    """The model stage: one finding per category whose model scores at or above its threshold."""

    def __init__(self, models: Iterable[LinearModel]) -> None:
        self.models = tuple(models)

    @classmethod
    def load(cls, directory: Path = MODELS_DIR) -> LinearClassifier | None:
        """Every model in directory, or None when there is none."""
        models = [LinearModel.load(p) for p in sorted(directory.glob("*.json"))]
        return cls(models) if models else None

    def scores(self, text: str) -> dict[Category, float]:
        """Each model's score for a post; features are computed once per hash size."""
        by_bits: dict[int, dict[int, float]] = {}
        out: dict[Category, float] = {}
        for model in self.models:
            bits = model.header.bits
            feats = by_bits.get(bits)
            if feats is None:
                feats = by_bits[bits] = features(text, bits)
            out[model.header.category] = model.score_features(feats)
        return out

    def classify(self, normalized: NormalizedText) -> list[Finding]:
        """Findings for one post; spans cover the whole post (a model reads it as a whole)."""
        text = normalized.original
        scores = self.scores(text)
        out: list[Finding] = []
        for model in self.models:
            h = model.header
            s = scores[h.category]
            if s >= h.threshold:
                out.append(
                    Finding(h.category, h.severity, f"model.{h.category.value}", 0, len(text),
                            f"statistical model: reads like {h.category.value} posts (score {s:.2f})")
                )
        return out


@cache
def shipped_classifier() -> LinearClassifier | None:
    """The models shipped with the package, loaded once per process."""
    return LinearClassifier.load(MODELS_DIR)
