"""The ``between`` command: serve, demo, fixture and admin tasks."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from service.actions.seed import DEMO_PASSWORD, Stores, make_fixture, open_stores, seed_demo
from service.base import logs
from service.base.errors import Reject
from service.base.models import Role, RoomKind
from service.base.settings import Settings, from_env
from service.realtime.wsproto import BetweenWebSocketProtocol


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn options every instance uses (tests and benchmarks too)."""
    return {
        "ws": BetweenWebSocketProtocol,
        "ws_max_size": max(65536, settings.max_frame_bytes * 4),
        # Per-message deflate compresses per socket: it would undo encode-once fan-out.
        "ws_per_message_deflate": False,
        "ws_ping_interval": 20,
        "ws_ping_timeout": 20,
        "log_config": None,
        "access_log": False,
        # The client address (login limits, logs) comes from X-Forwarded-For only when the direct peer
        # is a configured proxy; otherwise any client could claim any address.
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None,
        "timeout_graceful_shutdown": 5,
    }


def serve(settings: Settings) -> None:
    """Run one instance in the foreground."""
    import uvicorn

    from service.app import create_app

    logs.configure(settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, **server_options(settings))


async def _demo(settings: Settings) -> dict[str, Any]:
    stores = await open_stores(settings)
    try:
        return await seed_demo(stores)
    finally:
        await stores.aclose()


def demo(settings: Settings) -> None:
    """Seed the demo program, say how to sign in, then serve."""
    info = asyncio.run(_demo(settings))
    url = f"http://{settings.host}:{settings.port}"
    print(f"\nBetween demo: {info['program']} — rooms: {', '.join(info['rooms'])}")
    print(f"Open {url} and sign in as one of (password '{DEMO_PASSWORD}'):")
    for handle, role in info["people"]:
        print(f"  {handle:<8} {role.value}")
    print()
    sys.stdout.flush()
    serve(settings)


async def _fixture(settings: Settings, members: int, rooms: int) -> dict[str, Any]:
    stores = await open_stores(settings)
    try:
        return await make_fixture(stores, members, rooms)
    finally:
        await stores.aclose()


class UsageError(Exception):
    """An argument that names nothing, or more than one thing: exits with code 2, like argparse."""


async def _program_id(stores: Stores, given: str) -> str:
    """The id of the program ``given`` names, by id or by name."""
    found = await stores.directory.find_programs(given)
    if not found:
        raise UsageError(f"no program has the id or name {given!r}")
    if len(found) > 1:
        listed = ", ".join(f"{p.id} (created {_day(p.created)})" for p in found)
        raise UsageError(f"{len(found)} programs are named {given!r}: {listed}; pass one id with --program")
    return found[0].id


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


async def _admin(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    stores = await open_stores(settings)
    try:
        if args.admin_command == "create-user":
            programs = [await _program_id(stores, args.program)] if args.program else []
            password = args.password or os.environ.get("BETWEEN_NEW_PASSWORD") or getpass.getpass("Password: ")
            user = await stores.accounts.create_user(args.handle, password, Role(args.role), programs)
            return {"id": user.id, "handle": user.handle, "role": user.role.value}
        if args.admin_command == "create-program":
            # Checked first: a typo in --admin must not leave a program behind that nobody administers.
            admin = await stores.accounts.by_handle(args.admin) if args.admin else None
            if args.admin and admin is None:
                raise UsageError(f"no user has the handle {args.admin!r}")
            program = await stores.directory.create_program(args.name)
            if admin is not None:
                admin.programs.append(program.id)
                await stores.accounts.save(admin)
            return {"id": program.id, "name": program.name}
        if args.admin_command == "create-room":
            program_id = await _program_id(stores, args.program)
            room = await stores.directory.create_room(program_id, args.name, RoomKind(args.kind))
            return {"id": room.id, "name": room.name, "kind": room.kind.value, "program": program_id}
        if args.admin_command == "create-invite":
            program_id = await _program_id(stores, args.program)
            code = await stores.directory.create_invite(program_id, Role(args.role), "cli", args.uses)
            return {"code": code, "role": args.role, "uses": args.uses, "program": program_id}
        if args.admin_command == "revoke-sessions":
            target = await stores.accounts.by_handle(args.handle)
            if target is None:
                raise UsageError(f"no user has the handle {args.handle!r}")
            return {"revoked": await stores.accounts.revoke_all(target.id)}
        raise SystemExit(f"unknown admin command {args.admin_command}")
    finally:
        await stores.aclose()


_PROGRAM_HELP = "the program's id or its name (quote a name with spaces)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="between", description="Between: peer rooms for recovery programs")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("serve", "run one instance"), ("demo", "seed demo data and run")):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("--host")
        cmd.add_argument("--port", type=int)
    fixture = sub.add_parser("fixture", help="create a program of signed-in members for load tests")
    fixture.add_argument("--members", type=int, required=True)
    fixture.add_argument("--rooms", type=int, required=True)
    fixture.add_argument("--out", type=Path, required=True)
    admin = sub.add_parser("admin", help="administrative tasks")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    user = admin_sub.add_parser("create-user")
    user.add_argument("--handle", required=True)
    user.add_argument("--role", choices=[r.value for r in Role], default="admin")
    user.add_argument("--password", help="prefer the prompt or BETWEEN_NEW_PASSWORD: arguments show up in ps")
    user.add_argument("--program", help=_PROGRAM_HELP)
    program = admin_sub.add_parser("create-program")
    program.add_argument("--name", required=True)
    program.add_argument("--admin", help="handle of an admin to add to the program")
    room = admin_sub.add_parser("create-room")
    room.add_argument("--program", required=True, help=_PROGRAM_HELP)
    room.add_argument("--name", required=True)
    room.add_argument("--kind", choices=[k.value for k in RoomKind], default="cohort")
    invite = admin_sub.add_parser("create-invite")
    invite.add_argument("--program", required=True, help=_PROGRAM_HELP)
    invite.add_argument("--role", choices=[r.value for r in Role], default="member")
    invite.add_argument("--uses", type=int, default=1)
    revoke = admin_sub.add_parser("revoke-sessions")
    revoke.add_argument("--handle", required=True)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    settings = from_env(os.environ)
    if getattr(args, "host", None) or getattr(args, "port", None):
        settings = msgspec.structs.replace(
            settings, host=args.host or settings.host, port=args.port or settings.port
        )
    if args.command == "serve":
        serve(settings)
    elif args.command == "demo":
        demo(settings)
    elif args.command == "fixture":
        data = asyncio.run(_fixture(settings, args.members, args.rooms))
        args.out.write_text(json.dumps(data, indent=1))
        rooms, members = len(data["rooms"]), len(data["members"])
        print(f"wrote {args.out}: program {data['program']}, {rooms} rooms, {members} members")
    elif args.command == "admin":
        try:
            print(json.dumps(asyncio.run(_admin(settings, args))))
        except UsageError as exc:
            print(f"between admin {args.admin_command}: error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        except Reject as exc:
            raise SystemExit(f"error: {exc.detail}") from None


if __name__ == "__main__":
    main()
