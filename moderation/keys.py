"""Every Redis key moderation's stores use, built in one place (the case queue and the audit streams)."""

from __future__ import annotations


class CaseKeys:
    """Key names of the queue."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def case(self, case_id: str) -> str:
        """A case record."""
        return f"{self.prefix}:case:{case_id}"

    def open_steps(self, case_id: str) -> str:
        """Which steps after storing a new case (audit, announce, alert) are done: a retry does the rest."""
        return f"{self.prefix}:case:{case_id}:steps"

    def lock(self, case_id: str) -> str:
        """Short write lock serialising updates of one case record."""
        return f"{self.prefix}:case:{case_id}:lock"

    def open_cases(self, program: str) -> str:
        """Open cases of a program, by priority."""
        return f"{self.prefix}:cases:{program}:open"

    def all_cases(self, program: str) -> str:
        """Every case of a program, by creation time."""
        return f"{self.prefix}:cases:{program}:all"

    def author_cases(self, user: str) -> str:
        """Cases about one member, by creation time."""
        return f"{self.prefix}:cases:author:{user}"


class AuditKeys:
    """Key names of the audit streams."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def program(self, program: str) -> str:
        """Everything in a program."""
        return f"{self.prefix}:audit:program:{program}"

    def case(self, case_id: str) -> str:
        """Entries about one case."""
        return f"{self.prefix}:audit:case:{case_id}"

    def subject(self, user: str) -> str:
        """Entries about one member."""
        return f"{self.prefix}:audit:subject:{user}"

    def actor(self, user: str) -> str:
        """Entries made by one counselor, admin or system component."""
        return f"{self.prefix}:audit:actor:{user}"
