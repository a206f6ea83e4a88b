"""Extension point for a statistical model beside the rules (none is shipped yet)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .normalize import NormalizedText
from .types import Finding


@runtime_checkable
class Classifier(Protocol):
    """A model stage. Guarantees: pure, synchronous, thread-safe; may be slower than the rules.

    Findings must use the same categories and severities as rules, with spans in the original
    text (use `normalized.span()`), and a `rule` id naming the model, e.g. "model.harassment".
    """

    def classify(self, normalized: NormalizedText) -> list[Finding]:
        """Findings for one normalised post."""
        ...
