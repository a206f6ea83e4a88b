"""Pure moderation pipeline for Between chat posts: normalise, match rules, apply policy."""

from .pipeline import Moderator
from .policy import decide
from .types import Action, Category, Finding, PostContext, ProgramPolicy, Resource, Verdict

__all__ = [
    "Action",
    "Category",
    "Finding",
    "Moderator",
    "PostContext",
    "ProgramPolicy",
    "Resource",
    "Verdict",
    "decide",
]
