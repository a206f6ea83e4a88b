"""Evaluate moderation on a labelled JSONL file: python -m moderation.evaluate FILE [--json] [--rules-only]."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

from .linear import shipped_classifier
from .pipeline import Moderator
from .types import CATEGORY_PRIORITY, Category

NONE = "none"


class Case(msgspec.Struct, frozen=True):
    """One labelled row."""

    text: str
    label: str = NONE
    labels: list[str] | None = None

    def gold(self) -> frozenset[Category]:
        """The categories this row belongs to."""
        names = self.labels if self.labels is not None else [self.label]
        return frozenset(Category(n) for n in names if n != NONE)


class Score(msgspec.Struct):
    """Per-category metrics."""

    precision: float
    recall: float
    f1: float
    support: int


def read_cases(path: Path) -> list[Case]:
    """Parse a JSONL file of cases (blank lines ignored)."""
    dec = msgspec.json.Decoder(Case)
    with path.open("rb") as fh:
        return [dec.decode(line) for line in fh if line.strip()]


def predict(mod: Moderator, cases: Iterable[Case], program: str = "default") -> list[frozenset[Category]]:
    """Categories the pipeline finds for each case (rules, plus the model stage if mod has one)."""
    return [frozenset(mod.moderate_with_model(c.text, program).categories) for c in cases]


def score(gold: Sequence[frozenset[Category]], pred: Sequence[frozenset[Category]]) -> dict[str, Score]:
    """Precision/recall/F1 per category (a row may count for several)."""
    out: dict[str, Score] = {}
    for cat in CATEGORY_PRIORITY:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if cat in g and cat in p)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if cat not in g and cat in p)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if cat in g and cat not in p)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[cat.value] = Score(round(prec, 4), round(rec, 4), round(f1, 4), tp + fn)
    return out


def score_cases(mod: Moderator, cases: Sequence[Case], program: str = "default") -> dict[str, Score]:
    """Per-category scores of the pipeline on labelled cases."""
    return score([c.gold() for c in cases], predict(mod, cases, program))


def confusion(gold: Sequence[frozenset[Category]], pred: Sequence[frozenset[Category]]) -> dict[str, dict[str, int]]:
    """Rows: gold label (or none); columns: predicted categories (or none)."""
    names = [c.value for c in CATEGORY_PRIORITY] + [NONE]
    table = {g: dict.fromkeys(names, 0) for g in names}
    for g, p in zip(gold, pred, strict=True):
        for gl in [c.value for c in g] or [NONE]:
            for pl in [c.value for c in p] or [NONE]:
                table[gl][pl] += 1
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(prog="python -m moderation.evaluate", description=__doc__)
    ap.add_argument("file", type=Path)
    ap.add_argument("--json", action="store_true", help="print one JSON object of per-category scores")
    ap.add_argument("--program", default="default")
    ap.add_argument("--rules-only", action="store_true", help="leave out the shipped model stage")
    args = ap.parse_args(argv)
    cases = read_cases(args.file)
    mod = Moderator.load(classifier=None if args.rules_only else shipped_classifier())
    gold = [c.gold() for c in cases]
    pred = predict(mod, cases, args.program)
    scores = score(gold, pred)
    if args.json:
        sys.stdout.write(msgspec.json.encode(scores).decode() + "\n")
        return 0
    w = sys.stdout.write
    w(f"{len(cases)} cases from {args.file.name}\n\n")
    w(f"{'category':<12}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}\n")
    for cat, s in scores.items():
        w(f"{cat:<12}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}{s.support:>9}\n")
    table = confusion(gold, pred)
    cols = list(table)
    w("\nconfusion (rows: gold, columns: predicted)\n")
    w(f"{'':<12}" + "".join(f"{c[:10]:>11}" for c in cols) + "\n")
    for g, row in table.items():
        if any(row.values()):
            w(f"{g:<12}" + "".join(f"{row[c]:>11}" for c in cols) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
