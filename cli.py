"""The `herald` command: dev, api, worker, db upgrade, init, temporal setup, api-key create / rotate, tenant (create,
list, show, rename, disable, enable), config (export, check, apply, import-alertmanager: configcode/).

The operator commands (db upgrade, init, api-key, tenant) use the database the environment names, else
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


def _worker_count(text: str) -> int:
    """`herald dev --workers`: 1-16; anything else is a usage error naming the option (exit 2)."""
    from models.text import ascii_int

    count = ascii_int(text)
    if count is None or not 1 <= count <= 16:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 16")
    return count


def _dev(args: argparse.Namespace) -> int:
    from devstack.ports import PortInUse
    from devstack.supervisor import DevOptions, StackFailed, Supervisor

    options = DevOptions(
        data_dir=Path(args.data_dir),
        api_port=args.api_port,
        temporal_port=args.temporal_port,
        ui_port=args.ui_port,
        inbox_port=args.inbox_port,
        temporal_metrics_port=args.temporal_metrics_port,
        workers=args.workers,
    )
    try:
        return asyncio.run(Supervisor(options).run())
    except (PortInUse, StackFailed) as err:
        print(f"herald dev: {err}", file=sys.stderr)
        return 1


def _api(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from telemetry.logs import configure_logging

    settings = _settings()
    configure_logging(settings.log_format)
    # Open live streams (GET /api/v1/stream) never finish on their own: cut them 5 s into a shutdown.
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        log_config=None,  # uvicorn's loggers go through the root handler (JSON with HERALD_LOG_FORMAT=json)
        access_log=False,
        timeout_graceful_shutdown=5,
    )
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
    print(
        f"tenant {settings.default_tenant!r} ready"
        + ("; HERALD_ADMIN_API_KEY registered as platform admin" if key else "")
    )
    if seeded.policies:
        print(
            "seeded team 'Operations' and the policies 'Standard Escalation' (default) and 'Critical Alert Escalation'"
        )
    if seeded.templates:
        print("seeded the six default notification templates")
    if seeded.rules:
        print("seeded the six default alert rules over pushed metrics (docs/guide.md lists their metric names)")
    return 0


def _temporal_setup(args: argparse.Namespace) -> int:
    """Register Herald's search attributes on TEMPORAL_NAMESPACE (idempotent: only the missing ones are added)."""
    from temporalio.service import RPCError

    from gateway.connect import connect
    from gateway.namespace_setup import register_search_attributes

    settings = _settings()

    async def setup() -> list[str]:
        client = await connect(settings)
        return await register_search_attributes(client, settings.temporal_namespace)

    where = f"namespace {settings.temporal_namespace!r} at {settings.temporal_address}"
    try:
        added = asyncio.run(setup())
    except RPCError as err:
        raise OperatorError(f"Temporal refused the search attributes on {where}: {err.message}") from err
    except (RuntimeError, OSError) as err:  # cannot connect (the SDK's RuntimeError), or a TLS file unreadable
        raise OperatorError(f"cannot reach Temporal ({where}): {str(err).strip().splitlines()[0]}") from err
    print(f"search attributes on {where}: " + (f"added {', '.join(added)}" if added else "all present"))
    return 0


def _secret_key(args: argparse.Namespace) -> int:
    from models.secrets import new_secret_key

    print(new_secret_key())
    return 0


def _create_key(args: argparse.Namespace) -> int:
    from sqlalchemy import or_, select

    from models.api_keys import Role, new_key, store_key
    from models.audit import Origin, add_entry, cli_actor
    from models.db import create_engine, create_sessionmaker
    from models.tables import Tenant, User
    from models.tenants import seed_tenant
    from workflows.ids import check_tenant_id

    settings = _operator_settings()

    async def create() -> str | None:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                if await session.get(Tenant, args.tenant) is None:  # a new tenant starts as the first one did
                    await seed_tenant(session, args.tenant)
                user_id = None
                if args.user:
                    user_id = await session.scalar(
                        select(User.id).where(
                            User.tenant_id == args.tenant, or_(User.id == args.user, User.email == args.user)
                        )
                    )
                    if user_id is None:
                        return None
                key = new_key()
                row = await store_key(
                    session=session,
                    tenant_id=args.tenant,
                    name=args.name,
                    role=Role(args.role),
                    key=key,
                    user_id=user_id,
                )
                after = {"name": row.name, "role": row.role, "prefix": row.prefix, "user_id": row.user_id}
                await add_entry(
                    session=session,
                    tenant_id=args.tenant,
                    actor=cli_actor("api-key create"),
                    origin=Origin(None, None),
                    resource="api_key",
                    resource_id=row.id,
                    action="create",
                    after=after,
                )
                return key
        finally:
            await engine.dispose()

    try:
        check_tenant_id(args.tenant)  # before any connection: say what is wrong with the id itself
    except ValueError as err:
        print(f"herald api-key create: {err}", file=sys.stderr)
        return 2
    created = _against_database(settings, create())
    if created is None:
        print(
            f"herald api-key create: --user: no user {args.user!r} (id or email) in tenant {args.tenant!r}",
            file=sys.stderr,
        )
        return 2
    print(created)
    return 0


def _rotate_key(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from models.api_keys import rotate_key
    from models.audit import Origin, add_entry, cli_actor
    from models.db import create_engine, create_sessionmaker

    settings = _operator_settings()

    async def rotate() -> str | None:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                grace = timedelta(hours=args.grace_hours)
                rotated = await rotate_key(session=session, tenant_id=None, key_id=args.id, grace=grace)
                if rotated is None:
                    return None
                row, key = rotated
                await add_entry(
                    session=session,
                    tenant_id=row.tenant_id,
                    actor=cli_actor("api-key rotate"),
                    origin=Origin(None, None),
                    resource="api_key",
                    resource_id=args.id,
                    action="rotate",
                    after={"id": row.id, "name": row.name, "prefix": row.prefix, "grace_hours": args.grace_hours},
                )
                return key
        finally:
            await engine.dispose()

    key = _against_database(settings, rotate())
    if key is None:
        print(f"herald api-key rotate: no active API key with id {args.id}", file=sys.stderr)
        return 2
    print(key)
    return 0


def _tenant(args: argparse.Namespace) -> int:
    """`herald tenant create|list|show|rename|disable|enable`: the code of `/api/v1/tenants`, on the database."""
    import json

    from pydantic import ValidationError

    from api.audit import Audit
    from api.errors import FieldErrors
    from api.routers.api_keys import ApiKeyCreate, create_in
    from api.schemas.tenants import TenantUpdate
    from api.tenant_settings import apply_settings, platform_tenant_out
    from models.api_keys import Role
    from models.audit import Origin, cli_actor
    from models.db import create_engine, create_sessionmaker
    from models.errors import Conflict, InvalidQuery, NotFound
    from models.tenants import create_tenant, list_tenants, require_tenant, set_disabled, tenant_counts

    settings = _operator_settings()
    command = args.tenant_command
    actor = cli_actor(f"tenant {command}")

    async def work() -> str:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                if command == "list":
                    rows = await list_tenants(session=session, after=None, limit=10_000)
                    counts = await tenant_counts(session=session, tenant_ids=[r.id for r in rows])
                    lines = [f"{'ID':<24} {'STATE':<9} {'KEYS':>5} {'OPEN':>6}  NAME"]
                    for r in rows:
                        state = "disabled" if r.disabled_at else "enabled"
                        c = counts[r.id]
                        lines.append(f"{r.id:<24} {state:<9} {c.active_keys:>5} {c.open_alerts:>6}  {r.name}")
                    return "\n".join(lines)
                if command == "create":
                    sent = {
                        field: value
                        for field, value in (
                            ("time_zone", args.time_zone),
                            ("retention_days", args.retention_days),
                            ("max_silence_duration", args.max_silence_duration),
                            ("default_repeat_interval", args.default_repeat_interval),
                        )
                        if value is not None
                    }
                    body = TenantUpdate.model_validate(sent)
                    row = await create_tenant(session=session, tenant_id=args.id, name=args.name)
                    apply_settings(row, body, settings)
                    await session.flush()
                    audit = Audit(session, row.id, actor, Origin(None, None))
                    await audit.record(
                        "tenant", row.id, "create", after=await platform_tenant_out(session, row, settings)
                    )
                    first = None
                    if args.admin_key:
                        wanted = ApiKeyCreate(name=args.admin_key, role=Role.ADMIN)
                        first = await create_in(session, row.id, wanted, audit)
                    out = (await platform_tenant_out(session, row, settings)).model_dump(mode="json")
                    if first is not None:
                        out["admin_key"] = first.model_dump(mode="json")
                    return json.dumps(out, indent=2)
                if command == "rename":
                    row = await require_tenant(session=session, tenant_id=args.id)
                    before = {"name": row.name}
                    row.name = args.name
                    await session.flush()
                    audit = Audit(session, row.id, actor, Origin(None, None))
                    await audit.record("tenant", row.id, "update", before=before, after={"name": row.name})
                    return f"tenant {row.id!r} is now named {row.name!r}"
                if command in ("disable", "enable"):
                    row = await set_disabled(session=session, tenant_id=args.id, disabled=command == "disable")
                    audit = Audit(session, row.id, actor, Origin(None, None))
                    await audit.record("tenant", row.id, command, after={"disabled": row.disabled_at is not None})
                    if command == "enable":
                        return f"tenant {row.id!r} enabled"
                    now = (await tenant_counts(session=session, tenant_ids=[row.id]))[row.id]
                    return f"tenant {row.id!r} disabled ({now.open_alerts} open alerts keep their escalation)"
                row = await require_tenant(session=session, tenant_id=args.id)
                return json.dumps((await platform_tenant_out(session, row, settings)).model_dump(mode="json"), indent=2)
        finally:
            await engine.dispose()

    try:
        print(_against_database(settings, work()))
    except (InvalidQuery, FieldErrors) as err:
        field = err.field if isinstance(err, InvalidQuery) else err.errors[0][0]
        message = str(err) if isinstance(err, InvalidQuery) else err.errors[0][1]
        raise OperatorError(f"--{field.replace('_', '-')}: {message}") from err
    except ValidationError as err:
        wrong = "; ".join(f"--{'.'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in err.errors())
        raise OperatorError(wrong) from err
    except (Conflict, NotFound) as err:
        raise OperatorError(str(err)) from err
    return 0


def _herald_url() -> str:
    """`HERALD_URL`, else the API of the `herald dev` running in this directory, else the dev default."""
    from devstack.state import dev_data_dir, running_stack

    if os.environ.get("HERALD_URL"):
        return os.environ["HERALD_URL"]
    stack = running_stack(dev_data_dir())
    return stack.api_url if stack is not None else "http://127.0.0.1:8000"


def _config(args: argparse.Namespace) -> int:
    import io

    from configcode import commands
    from configcode.client import ApiError, HeraldApi, Unreachable

    def api() -> HeraldApi:
        return HeraldApi(args.url or _herald_url(), args.api_key or os.environ.get("HERALD_API_KEY"))

    def read(name: str) -> str:
        try:
            return sys.stdin.read() if name == "-" else Path(name).read_text()
        except OSError as err:
            raise OperatorError(f"cannot read {name}: {err.strerror}") from err

    try:
        if args.config_command == "export":
            with api() as client:
                return commands.export(client, sys.stdout)
        if args.config_command == "check":
            text = read(args.file)
            if args.offline:
                return commands.check(args.file, text, None, sys.stdout, sys.stderr)
            with api() as client:
                return commands.check(args.file, text, client, sys.stdout, sys.stderr)
        if args.config_command == "apply":
            text = read(args.file)
            with api() as client:
                return commands.apply(
                    args.file,
                    text,
                    client,
                    dry_run=args.dry_run,
                    prune_silences=args.prune_silences,
                    out=sys.stdout,
                    err=sys.stderr,
                )
        text = read(args.file)
        converted = io.StringIO()  # written out only once converted: a failed import leaves no half file
        code = commands.import_alertmanager(
            args.file, text, api, create_channels=args.create_channels, out=converted, err=sys.stderr
        )
        if args.output and code != 1:
            Path(args.output).write_text(converted.getvalue())
        elif code != 1:
            sys.stdout.write(converted.getvalue())
        return code
    except Unreachable as err:
        raise OperatorError(f"{err} (set --url or HERALD_URL)") from err
    except ApiError as err:  # a read refused: a wrong key (401), a key that is not an admin's (403)
        raise OperatorError(f"Herald's API refused {err}") from err


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
    dev.add_argument(
        "--temporal-metrics-port",
        type=int,
        default=None,
        help="serve the Temporal dev server's own Prometheus metrics here (default: any free port); bench/ reads them",
    )
    dev.add_argument(
        "--workers",
        type=_worker_count,
        default=1,
        help="worker processes on the one task queue (1-16, default 1): they share the alerts, each with its own cache",
    )
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
        "HERALD_ADMIN_API_KEY (role platform: that tenant's admin, and /api/v1/tenants)",
    ).set_defaults(run=_init)

    temporal = commands.add_parser("temporal", help="Temporal namespace setup")
    temporal_commands = temporal.add_subparsers(dest="temporal_command", required=True)
    temporal_commands.add_parser(
        "setup",
        help="register Herald's search attributes on TEMPORAL_NAMESPACE (idempotent; run before the first worker)",
    ).set_defaults(run=_temporal_setup, temporal_client=True)

    commands.add_parser(
        "secret-key", help="print a new HERALD_SECRET_KEY (encrypts channel secrets; give every process the same one)"
    ).set_defaults(run=_secret_key)

    key = commands.add_parser("api-key", help="API keys")
    key_commands = key.add_subparsers(dest="key_command", required=True)
    create = key_commands.add_parser("create", help="create a key (and its tenant if new); prints the key")
    create.add_argument("--tenant", default="default")
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=["viewer", "responder", "admin", "platform"], default="responder")
    create.add_argument("--user", help="the person the key belongs to (a user's id or email in the tenant)")
    create.set_defaults(run=_create_key)
    rotate = key_commands.add_parser(
        "rotate", help="replace a key: prints the new one; the old one keeps working for --grace-hours"
    )
    rotate.add_argument("--id", required=True, help="the key's id (GET /api/v1/api-keys)")
    rotate.add_argument("--grace-hours", type=float, default=24.0)
    rotate.set_defaults(run=_rotate_key)

    tenant = commands.add_parser("tenant", help="tenants (what a platform admin does with /api/v1/tenants)")
    tenant_commands = tenant.add_subparsers(dest="tenant_command", required=True)
    made = tenant_commands.add_parser(
        "create", help="create a tenant seeded as `herald init` seeds one; prints it as JSON"
    )
    made.add_argument("id", help="the tenant id: 1-63 letters, digits, '.', '_' or '-'")
    made.add_argument("--name", help="display name (default: the id)")
    made.add_argument("--admin-key", metavar="NAME", help="also make a first admin key of this name (shown once)")
    made.add_argument("--time-zone", help="IANA zone of statistics' day and week buckets (default UTC)")
    made.add_argument("--retention-days", type=int, help="keep resolved alerts this many days (1-3650)")
    made.add_argument("--max-silence-duration", help="longest silence, a duration (`7d`)")
    made.add_argument("--default-repeat-interval", help="repeat interval where no route sets one (`1h`)")
    tenant_commands.add_parser("list", help="every tenant: state, active keys, open alerts, name")
    shown = tenant_commands.add_parser("show", help="one tenant and its settings, as JSON")
    shown.add_argument("id")
    renamed = tenant_commands.add_parser("rename", help="change a tenant's display name")
    renamed.add_argument("id")
    renamed.add_argument("name")
    for verb, words in (
        ("disable", "refuse its keys, sessions and ingest; pause its rules and heartbeats (nothing is deleted)"),
        ("enable", "undo disable"),
    ):
        tenant_commands.add_parser(verb, help=words).add_argument("id")
    tenant.set_defaults(run=_tenant)

    config = commands.add_parser(
        "config", help="config as code: routes, inhibit rules, time intervals and silences as one YAML file"
    )
    config.add_argument("--url", help="Herald's API (default: HERALD_URL, else the running `herald dev`'s)")
    config.add_argument("--api-key", help="an admin API key (default: HERALD_API_KEY)")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    config_commands.add_parser("export", help="print the server's configuration as YAML").set_defaults(run=_config)
    check = config_commands.add_parser("check", help="validate a file without writing (exit 1: invalid)")
    check.add_argument("-f", "--file", required=True, help="the YAML file (- for stdin)")
    check.add_argument("--offline", action="store_true", help="do not ask the API about channels and policies")
    check.set_defaults(run=_config)
    apply = config_commands.add_parser("apply", help="make the server hold what the file says; print the changes")
    apply.add_argument("-f", "--file", required=True, help="the YAML file (- for stdin)")
    apply.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    apply.add_argument(
        "--prune-silences", action="store_true", help="also expire pending and active silences the file does not name"
    )
    apply.set_defaults(run=_config)
    imports = config_commands.add_parser(
        "import-alertmanager",
        help="convert an alertmanager.yml to Herald's YAML; unmapped fields on stderr (exit 3 if any)",
    )
    imports.add_argument("file", help="the alertmanager.yml")
    imports.add_argument("-o", "--output", help="write Herald's YAML here (default: stdout)")
    imports.add_argument(
        "--create-channels", action="store_true", help="create the receivers' channels through the API"
    )
    imports.set_defaults(run=_config)
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
        code = args.run(args)
    except (SecretKeyError, OperatorError) as err:  # a configuration mistake, not a crash: say so in one line
        print(f"herald {_command_name(args)}: {err}", file=sys.stderr)
        code = 2
    if getattr(args, "temporal_client", False):
        _exit_past_temporal_threads(code)
    sys.exit(code)


def _exit_past_temporal_threads(code: int) -> None:
    """End a one-shot command that used a Temporal client without the interpreter's teardown: the SDK's Rust
    threads can outlive it and abort the process in finalization ("PyGILState_Release: thread state ... must be
    current", temporalio/sdk-python#300), turning a command that did its work into exit code -6. Output is
    flushed first; nothing else of such a command waits for teardown."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _command_name(args: argparse.Namespace) -> str:
    sub = (
        getattr(args, "key_command", None)
        or getattr(args, "db_command", None)
        or getattr(args, "config_command", None)
        or getattr(args, "temporal_command", None)
        or getattr(args, "tenant_command", None)
    )
    return f"{args.command} {sub}" if sub else str(args.command)


if __name__ == "__main__":
    main()
