"""What a person or the system does: review actions, casework (opening cases and telling people),
restrictions, reports and hides, access checks, crisis support, demo seeding, and ``Deps`` (the
bundle of stores an action is handed).

May import: ``service.stores``, ``service.base``, ``service.protocol``, ``channels``, ``moderation``.
Never ``http``, ``realtime`` or ``app``.
"""
