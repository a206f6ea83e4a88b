"""Foundations every layer uses: models, errors, settings, ids, logs and counters.

May import: the standard library, third-party packages, ``service.protocol``. Nothing else from
``service/``, and neither ``channels/`` nor ``moderation/`` unless a value type is shared.
"""
