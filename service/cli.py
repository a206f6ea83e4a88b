"""The ``between`` command: serve, demo, fixture and admin tasks."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

import msgspec

from service.actions.seed import DEMO_PASSWORD, make_fixture, open_stores, seed_demo
from service.base import logs
from service.base.errors import ErrorCode, Reject
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
        "proxy_headers": False,
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


async def _admin(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    stores = await open_stores(settings)
    try:
        if args.admin_command == "create-user":
            password = args.password or os.environ.get("BETWEEN_NEW_PASSWORD") or getpass.getpass("Password: ")
            programs = [args.program] if args.program else []
            user = await stores.accounts.create_user(args.handle, password, Role(args.role), programs)
            return {"id": user.id, "handle": user.handle, "role": user.role.value}
        if args.admin_command == "create-program":
            program = await stores.directory.create_program(args.name)
            admin = await stores.accounts.by_handle(args.admin) if args.admin else None
            if admin is not None:
                admin.programs.append(program.id)
                await stores.accounts.save(admin)
            return {"id": program.id, "name": program.name}
        if args.admin_command == "create-room":
            room = await stores.directory.create_room(args.program, args.name, RoomKind(args.kind))
            return {"id": room.id, "name": room.name, "kind": room.kind.value}
        if args.admin_command == "create-invite":
            code = await stores.directory.create_invite(args.program, Role(args.role), "cli", args.uses)
            return {"code": code, "role": args.role, "uses": args.uses}
        if args.admin_command == "revoke-sessions":
            target = await stores.accounts.by_handle(args.handle)
            if target is None:
                raise Reject(ErrorCode.NOT_FOUND, "no such user")
            return {"revoked": await stores.accounts.revoke_all(target.id)}
        raise SystemExit(f"unknown admin command {args.admin_command}")
    finally:
        await stores.aclose()


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
    user.add_argument("--program")
    program = admin_sub.add_parser("create-program")
    program.add_argument("--name", required=True)
    program.add_argument("--admin", help="handle of an admin to add to the program")
    room = admin_sub.add_parser("create-room")
    room.add_argument("--program", required=True)
    room.add_argument("--name", required=True)
    room.add_argument("--kind", choices=[k.value for k in RoomKind], default="cohort")
    invite = admin_sub.add_parser("create-invite")
    invite.add_argument("--program", required=True)
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
        except Reject as exc:
            raise SystemExit(f"error: {exc.detail}") from None


if __name__ == "__main__":
    main()
