"""The HTTP API by audience (accounts, admin, rooms, review) and its OpenAPI document.

May import: ``service.actions`` and everything below it. Never ``service.realtime`` (its peer) or
``service.app``.
"""
