"""Tenant ids are of one documented alphabet, so ids built from (tenant, key) never collide."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.keys import DEDUP_KEY
from settings import Settings
from workflows.ids import TENANT_ID, alert_workflow_id, check_tenant_id, heartbeat_workflow_id

tenants = st.from_regex(TENANT_ID, fullmatch=True)
keys = st.from_regex(DEDUP_KEY, fullmatch=True) | st.text(min_size=1, max_size=300)  # dedup keys, and anything


@given(st.tuples(tenants, keys), st.tuples(tenants, keys))
def test_distinct_tenant_and_key_pairs_never_share_a_workflow_id(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert (alert_workflow_id(*a) == alert_workflow_id(*b)) == (a == b)


def test_a_slash_in_a_tenant_id_cannot_reach_another_tenants_alert() -> None:
    # Before: tenant "acme" with dedup key "x/k1" and tenant "acme/x" with key "k1" shared one workflow.
    assert alert_workflow_id("acme", "x/k1") == "alert/acme/x/k1"
    with pytest.raises(ValueError, match="tenant id 'acme/x' is not valid"):
        alert_workflow_id("acme/x", "k1")
    with pytest.raises(ValueError, match="is not valid"):
        heartbeat_workflow_id("acme/x", "k1")


@pytest.mark.parametrize("tenant", ["", "a/b", "a:b", " a", "a b", "-a", ".a", "é", "a\n", "x" * 64])
def test_ids_outside_the_alphabet_are_refused(tenant: str) -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        check_tenant_id(tenant)


@pytest.mark.parametrize("tenant", ["default", "t-1a2b3c4d", "acme.prod", "ACME_2", "x" * 63])
def test_ids_of_the_alphabet_are_accepted(tenant: str) -> None:
    assert check_tenant_id(tenant) == tenant


def test_the_default_tenant_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="tenant id 'acme/x' is not valid"):
        Settings(HERALD_DEFAULT_TENANT="acme/x")


def test_the_cli_refuses_such_a_tenant_in_one_line_before_connecting() -> None:
    herald = Path(sys.executable).parent / "herald"
    done = subprocess.run(
        [str(herald), "api-key", "create", "--tenant", "acme/x", "--name", "k"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "herald api-key create: tenant id 'acme/x' is not valid: "
        "1-63 ASCII letters, digits, '.', '_' or '-', starting with a letter or a digit"
    ]
