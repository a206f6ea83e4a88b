"""Every Redis key and topic ``service/`` builds: accounts, sessions, the directory, restrictions,
follow-ups, user and staff topics, on-call jobs. Room keys live in ``channels/keys.py``, case and
audit keys in ``moderation/keys.py``."""

from __future__ import annotations


class AccountKeys:
    """Key names under a deployment-wide prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def user(self, user_id: str) -> str:
        """A user record."""
        return f"{self.prefix}:user:{user_id}"

    def handle(self, handle: str) -> str:
        """Handle (case-folded) → user id; makes handles unique."""
        return f"{self.prefix}:handle:{handle.casefold()}"

    def session(self, token_hash: str) -> str:
        """A session, keyed by the token's hash so a Redis dump leaks no usable token."""
        return f"{self.prefix}:session:{token_hash}"

    def user_sessions(self, user_id: str) -> str:
        """Token hashes of a user's sessions, for logout-everywhere and revocation."""
        return f"{self.prefix}:user:{user_id}:sessions"

    def login_failures(self, subject: str) -> str:
        """Failed-login counter for a handle or client address."""
        return f"{self.prefix}:loginfail:{subject}"

    def known_device(self, token_hash: str) -> str:
        """A browser that signed in to an account before (value: the user id), by its cookie's hash."""
        return f"{self.prefix}:device:{token_hash}"

    def program(self, program_id: str) -> str:
        """A program record."""
        return f"{self.prefix}:program:{program_id}"

    @property
    def programs(self) -> str:
        """Set of all program ids."""
        return f"{self.prefix}:programs"

    def program_rooms(self, program_id: str) -> str:
        """Set of a program's room ids."""
        return f"{self.prefix}:program:{program_id}:rooms"

    def program_users(self, program_id: str) -> str:
        """Set of a program's user ids."""
        return f"{self.prefix}:program:{program_id}:users"

    def room(self, room_id: str) -> str:
        """A room record."""
        return f"{self.prefix}:room:{room_id}"

    def invite(self, code_hash: str) -> str:
        """An invite's terms."""
        return f"{self.prefix}:invite:{code_hash}"

    def invite_uses(self, code_hash: str) -> str:
        """Remaining uses of an invite (decremented atomically)."""
        return f"{self.prefix}:invite:{code_hash}:uses"

    def mute(self, user_id: str) -> str:
        """A member's mute (value: until, ms); expires with it."""
        return f"{self.prefix}:mute:{user_id}"

    def restrictions_version(self, user_id: str) -> str:
        """Bumped on every mute, suspension and lift: the post path's cheap "anything changed?" check."""
        return f"{self.prefix}:restrictver:{user_id}"

    def suspension(self, user_id: str, scope: str) -> str:
        """A suspension from a room (``room:<id>``) or program (``program:<id>``); expires with it."""
        return f"{self.prefix}:suspend:{user_id}:{scope}"

    def last_visit(self, user_id: str, program: str) -> str:
        """When a counselor last opened a program's inbox (ms)."""
        return f"{self.prefix}:lastvisit:{user_id}:{program}"

    def followups(self, program: str) -> str:
        """Open follow-ups of a program (``<case>|<followup>``) scored by due time."""
        return f"{self.prefix}:followups:{program}"

    @property
    def demo_program(self) -> str:
        """The demo program's id, once seeded."""
        return f"{self.prefix}:demo:program"

    def staff_topic(self, program: str) -> str:
        """Live case events of one program, for its counselors' sockets."""
        return f"{self.prefix}:{{p:{program}}}:staff"

    @property
    def users_topic(self) -> str:
        """Pub/sub topic for frames addressed to single users (all instances listen)."""
        return f"{self.prefix}:users"

    # Private check-in threads (service/stores/threads.py): one thread's keys share a hash tag.

    def thread(self, thread_id: str) -> str:
        """A check-in thread's record (hash: program, member, who started it, times)."""
        return f"{self.prefix}:{{t:{thread_id}}}:thread"

    def thread_messages(self, thread_id: str) -> str:
        """A thread's messages, oldest first (list of msgpack records)."""
        return f"{self.prefix}:{{t:{thread_id}}}:messages"

    def thread_cases(self, thread_id: str) -> str:
        """Cases a thread belongs to: the one it was started from and any its replies opened."""
        return f"{self.prefix}:{{t:{thread_id}}}:cases"

    def thread_sent(self, thread_id: str, client_id: str) -> str:
        """A message's id by the client_id it was sent with, so a retry is stored once."""
        return f"{self.prefix}:{{t:{thread_id}}}:sent:{client_id}"

    def member_threads(self, user_id: str) -> str:
        """A member's check-in threads scored by last activity (ms)."""
        return f"{self.prefix}:user:{user_id}:threads"

    def case_thread(self, case_id: str) -> str:
        """The check-in thread a case leads to (so reaching out twice from one case continues it)."""
        return f"{self.prefix}:casethread:{case_id}"

    def reply_rate(self, user_id: str) -> str:
        """A member's check-in replies in the current rate window."""
        return f"{self.prefix}:user:{user_id}:replyrate"


class OnCallKeys:
    """Key names: config per program, the due set, and a job record per case (attempts run under
    a ``channels.lease`` lease named ``oncall:<case>``)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = f"{prefix}:oncall"
        self.due = f"{self.prefix}:due"

    def config(self, program: str) -> str:
        """A program's endpoint (msgpack)."""
        return f"{self.prefix}:config:{program}"

    def job(self, case_id: str) -> str:
        """What the next attempt of a case sends."""
        return f"{self.prefix}:job:{case_id}"
