"""The `herald` command: dev, api, worker, db upgrade, init, api-key create / rotate.

The operator commands (db upgrade, init, api-key) use the database the environment names, else
that of the `herald dev` running in this directory (`devstack.state`), and say in one line when
they cannot reach it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import warnings
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from settings import Settings, get_settings

T = TypeVar("T")


def _dev(args: argparse.Namespace) -> int:
    from devstack.ports import PortInUse
    from devstack.supervisor import DevOptions, StackFailed, Supervisor

    options = DevOptions(
        data_dir=Path(args.data_dir),
        api_port=args.api_port,
        temporal_port=args.temporal_port,
        ui_port=args.ui_port,
        inbox_port=args.inbox_port,
    )
    try:
        return asyncio.run(Supervisor(options).run())
    except (PortInUse, StackFailed) as err:
        print(f"herald dev: {err}", file=sys.stderr)
        return 1


def _api(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(_settings()), host=args.host, port=args.port, log_level="info", access_log=False)
    return 0


def _worker(args: argparse.Namespace) -> int:
    import worker

    worker.main()
    return 0


class OperatorError(Exception):
    """An operator command could not do its work for a reason outside Herald: said in one line."""


def _settings() -> Settings:
    """The environment's settings; a value they refuse is an OperatorError naming it."""
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as err:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise OperatorError(f"bad configuration: {wrong}") from err


def _operator_settings() -> Settings:
    """Settings for an operator command: the database named by the environment (or `.env`) if it
    names one; else that of the `herald dev` running in this directory's data dir; else the default."""
    from devstack.state import dev_data_dir, running_stack

    settings = _settings()
    if "database_url" in settings.model_fields_set:
        return settings
    stack = running_stack(dev_data_dir())
    if stack is None:
        return settings
    return settings.model_copy(update={"database_url": stack.database_url})


def _database_trouble(settings: Settings, err: Exception) -> OperatorError:
    """One line saying which database could not be used, why, and how to point at the right one."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from devstack.state import dev_data_dir, running_stack

    url = make_url(settings.database_url).render_as_string(hide_password=True)
    reason = str(err.orig if isinstance(err, DBAPIError) else err).strip().splitlines()[0]
    if running_stack(dev_data_dir()) is None and "database_url" not in settings.model_fields_set:
        hint = f"no `herald dev` is running in {dev_data_dir().resolve()}, and DATABASE_URL is not set"
    else:
        hint = "is it running, and migrated with `herald db upgrade`?"
    return OperatorError(f"cannot use the database {url}: {reason}; {hint}")


def _against_database(settings: Settings, work: Coroutine[Any, Any, T]) -> T:
    """Run an operator command's database work; trouble reaching or using the database is an
    OperatorError, not a traceback."""
    from sqlalchemy.exc import DBAPIError

    try:
        return asyncio.run(work)
    except (OSError, DBAPIError) as err:
        raise _database_trouble(settings, err) from err


def _db_upgrade(args: argparse.Namespace) -> int:
    from models.migrate import upgrade_async

    settings = _operator_settings()
    _against_database(settings, upgrade_async(settings.database_url))
    print("database is at the latest revision")
    return 0


def _init(args: argparse.Namespace) -> int:
    from devstack.bootstrap import bootstrap

    settings = _operator_settings()
    key = settings.admin_api_key.get_secret_value() if settings.admin_api_key else None
    seeded = _against_database(settings, bootstrap(settings.database_url, settings.default_tenant, key))
    print(f"tenant {settings.default_tenant!r} ready" + ("; HERALD_ADMIN_API_KEY registered as admin" if key else ""))
    if seeded.policies:
        print(
            "seeded team 'Operations' and the policies 'Standard Escalation' (default) and 'Critical Alert Escalation'"
        )
    if seeded.templates:
        print("seeded the six default notification templates")
    if seeded.rules:
        print("seeded the six default alert rules over pushed metrics (docs/guide.md lists their metric names)")
    return 0


def _secret_key(args: argparse.Namespace) -> int:
    from models.secrets import new_secret_key

    print(new_secret_key())
    return 0


def _create_key(args: argparse.Namespace) -> int:
    from devstack.bootstrap import seed_tenant
    from models.api_keys import Role, new_key, store_key
    from models.db import create_engine, create_sessionmaker
    from models.tables import Tenant
    from workflows.ids import check_tenant_id

    settings = _operator_settings()

    async def create() -> str:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                if await session.get(Tenant, args.tenant) is None:  # a new tenant starts as the first one did
                    await seed_tenant(session, args.tenant)
                key = new_key()
                await store_key(session=session, tenant_id=args.tenant, name=args.name, role=Role(args.role), key=key)
                return key
        finally:
            await engine.dispose()

    try:
        check_tenant_id(args.tenant)  # before any connection: say what is wrong with the id itself
    except ValueError as err:
        print(f"herald api-key create: {err}", file=sys.stderr)
        return 2
    print(_against_database(settings, create()))
    return 0


def _rotate_key(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from models.api_keys import rotate_key
    from models.db import create_engine, create_sessionmaker

    settings = _operator_settings()

    async def rotate() -> str | None:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                grace = timedelta(hours=args.grace_hours)
                rotated = await rotate_key(session=session, tenant_id=None, key_id=args.id, grace=grace)
                return rotated[1] if rotated else None
        finally:
            await engine.dispose()

    key = _against_database(settings, rotate())
    if key is None:
        print(f"herald api-key rotate: no active API key with id {args.id}", file=sys.stderr)
        return 2
    print(key)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="herald", description="Alerting where every alert is a durable Temporal workflow"
    )
    commands = root.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="run the whole stack locally (embedded PostgreSQL, Temporal, worker, API)")
    dev.add_argument("--data-dir", default=os.environ.get("HERALD_DATA_DIR", ".herald"))
    dev.add_argument("--api-port", type=int, default=8000)
    dev.add_argument("--temporal-port", type=int, default=7233)
    dev.add_argument("--ui-port", type=int, default=8233)
    dev.add_argument("--inbox-port", type=int, default=8001, help="the local webhook receiver (inbox)")
    dev.set_defaults(run=_dev)

    api = commands.add_parser("api", help="serve the REST API (configured by environment)")
    api.add_argument("--host", default="0.0.0.0")
    api.add_argument("--port", type=int, default=8000)
    api.set_defaults(run=_api)

    commands.add_parser("worker", help="run a Temporal worker").set_defaults(run=_worker)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)

    commands.add_parser(
        "init",
        help="create the default tenant, its default team, escalation policies and routing, and register "
        "HERALD_ADMIN_API_KEY",
    ).set_defaults(run=_init)

    commands.add_parser(
        "secret-key", help="print a new HERALD_SECRET_KEY (encrypts channel secrets; give every process the same one)"
    ).set_defaults(run=_secret_key)

    key = commands.add_parser("api-key", help="API keys")
    key_commands = key.add_subparsers(dest="key_command", required=True)
    create = key_commands.add_parser("create", help="create a key (and its tenant if new); prints the key")
    create.add_argument("--tenant", default="default")
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=["viewer", "responder", "admin"], default="responder")
    create.set_defaults(run=_create_key)
    rotate = key_commands.add_parser(
        "rotate", help="replace a key: prints the new one; the old one keeps working for --grace-hours"
    )
    rotate.add_argument("--id", required=True, help="the key's id (GET /api/v1/api-keys)")
    rotate.add_argument("--grace-hours", type=float, default=24.0)
    rotate.set_defaults(run=_rotate_key)
    return root


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # pgserver asks platformdirs for a runtime dir; without XDG_RUNTIME_DIR it warns on every start.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")
    for noisy in ("pgserver", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = parser().parse_args(argv)
    from models.secrets import SecretKeyError

    try:
        sys.exit(args.run(args))
    except (SecretKeyError, OperatorError) as err:  # a configuration mistake, not a crash: say so in one line
        print(f"herald {_command_name(args)}: {err}", file=sys.stderr)
        sys.exit(2)


def _command_name(args: argparse.Namespace) -> str:
    sub = getattr(args, "key_command", None) or getattr(args, "db_command", None)
    return f"{args.command} {sub}" if sub else str(args.command)


if __name__ == "__main__":
    main()
