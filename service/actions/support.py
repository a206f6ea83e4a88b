"""What a member in crisis is offered: the program's crisis lines, as the wire carries them."""

from __future__ import annotations

from moderation.types import ProgramPolicy
from service.protocol import Resource


def crisis_resources(policy: ProgramPolicy) -> list[Resource]:
    """The program's crisis lines as wire resources (the same list a crisis notice carries)."""
    return [Resource(label=r.label, kind=r.kind, value=r.value, body=r.body, note=r.note)
            for r in policy.crisis_resources]
