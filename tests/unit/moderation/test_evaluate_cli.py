"""python -m moderation.evaluate FILE --json prints one JSON object with per-category scores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_json_output(tmp_path: Path) -> None:
    rows = [
        {"text": "I want to die", "label": "crisis"},
        {"text": "I can't do this anymore", "label": "crisis"},
        {"text": "great meeting tonight", "label": "crisis"},  # a miss
        {"text": "this commute is killing me", "label": "none"},
        {"text": "text me 555-123-4567", "label": "contact"},
        {"text": "I relapsed and I want to die", "label": "crisis", "labels": ["crisis", "relapse"]},
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = subprocess.run(
        [sys.executable, "-m", "moderation.evaluate", str(path), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    data = json.loads(out.stdout)
    assert set(data) == {"crisis", "relapse", "sourcing", "harassment", "contact", "spam"}
    crisis = data["crisis"]
    assert crisis["support"] == 4
    assert crisis["precision"] == 1.0
    assert crisis["recall"] == 0.75
    assert abs(crisis["f1"] - 0.8571) < 1e-3
    assert data["relapse"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert data["contact"]["recall"] == 1.0


def test_text_output(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps({"text": "I want to die", "label": "crisis"}) + "\n")
    out = subprocess.run(
        [sys.executable, "-m", "moderation.evaluate", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "precision" in out.stdout and "confusion" in out.stdout
