"""Per-post latency of the moderation rule stage: .venv/bin/python bench/moderation_latency.py."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Moderator, PostContext  # noqa: E402

CASES = ROOT / "tests" / "data" / "moderation_cases.jsonl"
SHARED = Path(os.environ.get("BETWEEN_SHARED_DIR", ROOT.parent / "shared")) / "data" / "moderation"
RESULTS = ROOT / "bench" / "results" / "moderation.json"
ROUNDS = 7


class Row(msgspec.Struct):
    """Only the text of a labelled row matters here."""

    text: str


def load_texts() -> dict[str, list[str]]:
    """Post texts per source file (dev files only if present)."""
    dec = msgspec.json.Decoder(Row)
    out: dict[str, list[str]] = {}
    for path in [CASES, SHARED / "dev_crisis.jsonl", SHARED / "dev_harassment.jsonl"]:
        if path.exists():
            out[path.name] = [dec.decode(line).text for line in path.read_bytes().splitlines() if line.strip()]
    return out


def percentile(sorted_ns: list[int], q: float) -> float:
    """Nearest-rank percentile in microseconds."""
    idx = min(len(sorted_ns) - 1, max(0, round(q * len(sorted_ns)) - 1))
    return sorted_ns[idx] / 1000


def summarise(samples: list[int]) -> dict[str, float]:
    """median / p99 / max in microseconds."""
    s = sorted(samples)
    return {
        "n": len(s),
        "median_us": round(statistics.median(s) / 1000, 1),
        "p99_us": round(percentile(s, 0.99), 1),
        "max_us": round(s[-1] / 1000, 1),
    }


def main() -> int:
    """Run the benchmark and write bench/results/moderation.json."""
    mod = Moderator.load()
    ctx = PostContext(recent_digests=(Moderator.digest("hello"), Moderator.digest("see you at group")))
    texts = load_texts()
    every = [t for ts in texts.values() for t in ts]
    for t in every:  # warm caches (fold cache, regex internals)
        mod.moderate(t, "default", ctx)
    # The machine is shared (service, load generators): per post we keep the best of ROUNDS runs,
    # which removes scheduler and GC noise; the raw samples are reported too.
    clock = time.perf_counter_ns
    best: dict[str, list[int]] = {}
    raw: list[int] = []
    for name, ts in texts.items():
        per_post = []
        for t in ts:
            runs = []
            for _ in range(ROUNDS):
                t0 = clock()
                mod.moderate(t, "default", ctx)
                runs.append(clock() - t0)
            raw.extend(runs)
            per_post.append(min(runs))
        best[name] = per_post
    lengths = [len(t) for ts in texts.values() for t in ts]
    samples = [v for vs in best.values() for v in vs]
    short = [v for v, n in zip(samples, lengths, strict=True) if n < 200]
    long = [v for v, n in zip(samples, lengths, strict=True) if n >= 200]
    result = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rounds": ROUNDS,
        "method": "per-post best of rounds, microseconds",
        "all": summarise(samples),
        "short_lt_200_chars": summarise(short) if short else None,
        "long_ge_200_chars": summarise(long) if long else None,
        "raw_samples_all_rounds": summarise(raw),
        "by_source": {name: summarise(v) for name, v in best.items()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_bytes(msgspec.json.format(msgspec.json.encode(result), indent=2) + b"\n")
    out = sys.stdout.write
    out(f"moderation rule stage, {len(every)} posts x {ROUNDS} rounds\n")
    for key in ("all", "short_lt_200_chars", "long_ge_200_chars", "raw_samples_all_rounds"):
        r = result[key]
        if r:
            line = f"median {r['median_us']:>7.1f} us   p99 {r['p99_us']:>7.1f} us   max {r['max_us']:>8.1f} us"
            out(f"  {key:<24} {line}\n")
    out(f"wrote {RESULTS.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
