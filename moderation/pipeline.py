"""The Moderator: normalise, match rules, apply policy. Pure and synchronous."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from .classifier import Classifier
from .matcher import scan
from .normalize import Normalizer
from .policy import PolicyBook, decide, load_policy
from .rules import POLICY_FILE, RULES_DIR, RuleSet, load_ruleset, rule_files
from .spam import SpamChecker, digest
from .types import Finding, PostContext, ProgramPolicy, Verdict

logger = logging.getLogger(__name__)

_EMPTY_CTX = PostContext()


@dataclass(frozen=True, slots=True)
class _Loaded:
    """One consistent generation of rules and policy, swapped atomically on reload."""

    rules: RuleSet
    normalizer: Normalizer
    spam: SpamChecker
    policy: PolicyBook


class Moderator:
    """Rule-stage moderation of chat posts; cheap to call for every post."""

    def __init__(
        self,
        rules_dir: Path,
        policy_path: Path,
        loaded: _Loaded,
        signature: tuple[object, ...],
        classifier: Classifier | None = None,
    ) -> None:
        self._rules_dir = rules_dir
        self._policy_path = policy_path
        self._loaded = loaded
        self._signature = signature
        self._reload_lock = threading.Lock()
        self._classifier = classifier

    @property
    def has_model(self) -> bool:
        """True when a model stage is configured (none ships by default)."""
        return self._classifier is not None

    @classmethod
    def load(
        cls, rules_dir: Path | None = None, policy_path: Path | None = None, classifier: Classifier | None = None
    ) -> Moderator:
        """Load rules (default: package data) and policy; raises on broken files."""
        rdir = Path(rules_dir) if rules_dir is not None else RULES_DIR
        ppath = Path(policy_path) if policy_path is not None else rdir / POLICY_FILE
        if not ppath.exists() and policy_path is None:
            ppath = RULES_DIR / POLICY_FILE
        sig = _signature(rdir, ppath)
        return cls(rdir, ppath, _build(rdir, ppath), sig, classifier)

    def moderate(self, text: str, program: str, ctx: PostContext = _EMPTY_CTX) -> Verdict:
        """Moderate one post with the rule stage."""
        loaded = self._loaded  # one generation for the whole call, even if a reload lands meanwhile
        found = _rule_findings(loaded, text, ctx)
        return decide(found, loaded.policy.for_program(program), text)

    def moderate_with_model(self, text: str, program: str, ctx: PostContext = _EMPTY_CTX) -> Verdict:
        """Rules plus the model stage (if any)."""
        return self.add_model(self.moderate(text, program, ctx), text, program)

    def add_model(self, verdict: Verdict, text: str, program: str) -> Verdict:
        """The rules' verdict revised by the model stage; slower, so the service runs it off the
        event loop. The rules are not run again: their findings travel in the verdict."""
        if self._classifier is None:
            return verdict
        loaded = self._loaded
        extra = self._classifier.classify(loaded.normalizer.normalize(text))
        if not extra:
            return verdict
        return decide([*verdict.findings, *extra], loaded.policy.for_program(program), text)

    def findings(self, text: str, ctx: PostContext = _EMPTY_CTX) -> list[Finding]:
        """All rule findings for a post, before policy."""
        return _rule_findings(self._loaded, text, ctx)

    def policy_for(self, program: str) -> ProgramPolicy:
        """The effective policy for a program (default when not overridden)."""
        return self._loaded.policy.for_program(program)

    def maybe_reload(self) -> bool:
        """Reload if any data file changed; a broken file keeps the previous rules."""
        sig = _signature(self._rules_dir, self._policy_path)
        if sig == self._signature:
            return False
        with self._reload_lock:
            if sig == self._signature:
                return False
            # Remember the signature even on failure so a broken file is reported once, not every second.
            self._signature = sig
            try:
                loaded = _build(self._rules_dir, self._policy_path)
            except Exception as exc:
                # The message names files and rules only, never post text.
                logger.error("moderation reload failed, keeping previous rules: %s", exc)
                return False
            self._loaded = loaded
            logger.info("moderation rules reloaded")
            return True

    @staticmethod
    def digest(text: str) -> str:
        """Normalised digest of a post, for PostContext.recent_digests."""
        return digest(text)


def _rule_findings(loaded: _Loaded, text: str, ctx: PostContext) -> list[Finding]:
    norm = loaded.normalizer.normalize(text)
    found = scan(norm, loaded.rules.context, loaded.rules.categories)
    found.extend(loaded.spam.check(text, ctx))
    return found


def _build(rules_dir: Path, policy_path: Path) -> _Loaded:
    rules = load_ruleset(rules_dir)
    return _Loaded(
        rules=rules,
        normalizer=Normalizer(rules.normalize),
        spam=SpamChecker(rules.spam_thresholds),
        policy=load_policy(policy_path),
    )


def _signature(rules_dir: Path, policy_path: Path) -> tuple[object, ...]:
    """(name, mtime_ns, size) of every data file; missing files count as a change."""
    out: list[object] = []
    for p in [*rule_files(rules_dir), policy_path]:
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), None, None))
    return tuple(out)
