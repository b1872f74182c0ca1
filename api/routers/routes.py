"""`/api/v1/routes`: the tenant's routing tree (Alertmanager's `route`, noise/routing.py), whole or by path.

Writes name the version they replace (`If-Match: "<version>"`, from the `ETag` of a read): none is a
428, another is a 412 naming the current version, so two admins editing at once never lose an edit.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Response, status

from api.audit import AuditDep
from api.deps import Admin, SessionDep, Viewer
from api.errors import FieldErrors, check
from api.schemas.routes import RouteAt, RouteBody, RouteMatch, RouteTestIn, RouteTestOut, TreeIn, TreeOut
from models.routing_trees import StaleVersion, lock_trees, write_tree
from models.text import ascii_int
from noise.durations import format_duration
from noise.route_store import group_key, group_labels, load_tree, reference_problems, stored_tree
from noise.routing import GROUP_BY_ALL, RouteSpec, compile_route, effective_problems, route_labels, tree_problems
from workflows.ids import canonical_labels

router = APIRouter(prefix="/api/v1/routes", tags=["routing tree"])
IfMatch = Annotated[str | None, Header(description='The version being replaced, as the ETag gave it: `"3"`')]
WRITE: dict[int | str, dict[str, Any]] = {
    412: {"description": "If-Match is not the current version (the answer names it)"},
    422: {
        "description": "A malformed matcher or duration, a regex RE2 refuses, group_interval < 1s, repeat_interval "
        "< group_interval, an unknown policy / channel / time interval, a root with matchers or intervals, more "
        "than 10 levels or 1,000 routes; the field is named (`tree.routes.0.matchers.1`)"
    },
    428: {"description": "If-Match is missing"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No route at that path"}}


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def _if_version(if_match: str | None) -> int:
    if if_match is None:
        raise HTTPException(status.HTTP_428_PRECONDITION_REQUIRED, "If-Match is required: send the ETag of a read")
    text = if_match.strip().removeprefix("W/").strip('"')
    version = ascii_int(text)
    return -1 if version is None else version


def _path(text: str) -> tuple[int, ...]:
    parts = text.split(".")
    if not all(ascii_int(part) is not None and len(part) <= 4 for part in parts):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no route at path {text!r} (a path is child indexes: `0.2`)")
    return tuple(int(part) for part in parts)


def _node(tree: dict[str, Any], path: tuple[int, ...], text: str) -> dict[str, Any]:
    node = tree
    for index in path:
        children = node.get("routes") or []
        if index >= len(children):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no route at path {text!r}")
        node = children[index]
    return node


async def _checked(session: SessionDep, tenant_id: str, tree: dict[str, Any]) -> dict[str, Any]:
    """The tree as stored, or a 422 naming each problem (`tree.routes.0.group_wait`)."""
    spec = RouteSpec.model_validate(tree)
    errors = tree_problems(spec)
    if not errors:
        errors = effective_problems(compile_route(spec))
    errors += await reference_problems(session, tenant_id, tree)
    check(errors)
    return spec.stored()


async def _write(session: SessionDep, tenant_id: str, tree: dict[str, Any], if_match: str | None) -> int:
    try:
        return await write_tree(session, tenant_id, tree, _if_version(if_match))
    except StaleVersion as err:
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED, str(err), headers={"ETag": f'"{err.current}"'}
        ) from None


@router.get("", response_model=TreeOut, response_model_exclude_none=True, summary="Read the routing tree")
async def get_tree(principal: Viewer, session: SessionDep, response: Response) -> TreeOut:
    version, tree = await stored_tree(session, principal.tenant_id)
    _etag(response, version)
    return TreeOut(version=version, tree=RouteSpec.model_validate(tree))


@router.put(
    "", response_model=TreeOut, response_model_exclude_none=True, responses=WRITE, summary="Replace the routing tree"
)
async def put_tree(
    body: TreeIn, principal: Admin, audit: AuditDep, session: SessionDep, response: Response, if_match: IfMatch = None
) -> TreeOut:
    tree = await _checked(session, principal.tenant_id, body.tree.stored())
    _, old = await stored_tree(session, principal.tenant_id)
    version = await _write(session, principal.tenant_id, tree, if_match)
    await audit.record("route", "", "replace_tree", before=old, after={"version": version, "tree": tree})
    _etag(response, version)
    return TreeOut(version=version, tree=RouteSpec.model_validate(tree))


@router.delete("", status_code=status.HTTP_405_METHOD_NOT_ALLOWED, summary="(The root route cannot be deleted)")
async def delete_root(principal: Admin) -> Response:
    raise HTTPException(
        status.HTTP_405_METHOD_NOT_ALLOWED,
        "the root route cannot be deleted: PUT a tree without children instead",
        headers={"Allow": "GET, PUT"},
    )


@router.post("/test", response_model=RouteTestOut, summary="Which routes an alert takes (amtool config routes test)")
async def test_routes(body: RouteTestIn, principal: Viewer, session: SessionDep) -> RouteTestOut:
    version, _ = await stored_tree(session, principal.tenant_id)
    tree = await load_tree(session, principal.tenant_id)
    labels = canonical_labels(body.labels)
    seen = route_labels(labels, body.severity.value, body.category.value)
    routes = tree.match(seen)
    if body.dedup_key:
        routes = routes[:1]
    matches = []
    for index, route in enumerate(routes):
        opts = route.opts
        matches.append(
            RouteMatch(
                path=route.path_text(),
                route_key=route.key(),
                route_id=route.id(),
                group_by=[GROUP_BY_ALL] if opts.group_by_all else list(opts.group_by),
                group_labels=group_labels(route, labels, seen),
                group_key=group_key(principal.tenant_id, route, index == 0, labels, seen, body.dedup_key),
                group_wait=format_duration(opts.group_wait),
                group_interval=format_duration(opts.group_interval),
                repeat_interval=format_duration(opts.repeat_interval),
                escalation_policy_id=opts.policy_id,
                channels=list(opts.channel_ids) if opts.channel_ids is not None else None,
                mute_time_intervals=list(opts.mute_time_intervals),
                active_time_intervals=list(opts.active_time_intervals),
                continue_=route.continue_,
            )
        )
    return RouteTestOut(version=version, matches=matches)


@router.get(
    "/{path}", response_model=RouteAt, response_model_exclude_none=True, responses=NOT_FOUND, summary="Read one route"
)
async def get_route(path: str, principal: Viewer, session: SessionDep, response: Response) -> RouteAt:
    version, tree = await stored_tree(session, principal.tenant_id)
    node = _node(tree, _path(path), path)
    _etag(response, version)
    return RouteAt(version=version, path=path, route=RouteSpec.model_validate(node))


def _renamed(errors: list[tuple[str, str]], place: str) -> list[tuple[str, str]]:
    return [(("route" + f[len(place) :]) if f == place or f.startswith(place + ".") else f, m) for f, m in errors]


@router.put(
    "/{path}",
    response_model=RouteAt,
    response_model_exclude_none=True,
    responses={**NOT_FOUND, **WRITE},
    summary="Replace one route (and its children)",
)
async def put_route(
    path: str,
    body: RouteBody,
    principal: Admin,
    audit: AuditDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> RouteAt:
    where = _path(path)
    await lock_trees(session, principal.tenant_id)  # the tree read below is the one the version check sees
    _, tree = await stored_tree(session, principal.tenant_id)
    parent = _node(tree, where[:-1], path)
    children = list(parent.get("routes") or [])
    if where[-1] >= len(children):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no route at path {path!r}")
    old = children[where[-1]]
    children[where[-1]] = body.route.stored()
    parent["routes"] = children
    place = ".".join(["tree", *(f"routes.{i}" for i in where)])
    try:
        checked = await _checked(session, principal.tenant_id, tree)
    except FieldErrors as err:  # the body's fields, named as the body names them (`route.matchers.0`)
        raise FieldErrors(_renamed(err.errors, place)) from None
    version = await _write(session, principal.tenant_id, checked, if_match)
    await audit.record("route", path, "update", before=old, after={"version": version, "route": body.route.stored()})
    _etag(response, version)
    return RouteAt(version=version, path=path, route=RouteSpec.model_validate(_node(checked, where, path)))


@router.delete(
    "/{path}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, 412: WRITE[412], 428: WRITE[428]},
    summary="Delete one route (and its children)",
)
async def delete_route(
    path: str, principal: Admin, audit: AuditDep, session: SessionDep, if_match: IfMatch = None
) -> Response:
    where = _path(path)
    await lock_trees(session, principal.tenant_id)  # the tree read below is the one the version check sees
    _, tree = await stored_tree(session, principal.tenant_id)
    parent = _node(tree, where[:-1], path)
    children = list(parent.get("routes") or [])
    if where[-1] >= len(children):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no route at path {path!r}")
    old = children[where[-1]]
    del children[where[-1]]
    parent["routes"] = children
    version = await _write(session, principal.tenant_id, tree, if_match)
    await audit.record("route", path, "delete", before=old, after={"version": version})
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"ETag": f'"{version}"'})
