"""Redis-backed state behind small classes: accounts, directory, on-call config and jobs, user feeds,
stored posts, the Redis connection and its keys. Every Redis call from ``service/`` lives here, and
connection errors leave as ``BackendUnavailable``.

May import: ``service.base``, ``service.protocol``, ``channels``, ``moderation``. Never ``actions``,
``http``, ``realtime`` or ``app``.
"""
