"""The ``/ws`` endpoint: the uvicorn protocol subclass, connections and their outboxes, frame
handlers, posting, staff feeds and per-instance upkeep (presence heartbeats, session checks).

May import: ``service.actions`` and everything below it. Never ``service.http`` (its peer) or
``service.app``.
"""
