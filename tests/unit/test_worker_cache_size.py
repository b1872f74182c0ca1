"""The worker's workflow cache: a count when one is set, else what fits its memory budget (worker.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker import (
    DEFAULT_MEMORY_MIB,
    MINIMUM_CACHED_WORKFLOWS,
    PER_CACHED_WORKFLOW_KIB,
    WORKER_BASE_MIB,
    cache_size,
    container_memory_limit,
)


def test_a_count_set_outright_wins_even_zero() -> None:
    assert cache_size(0, 4096, 8 * 2**30).workflows == 0
    assert cache_size(12_000, None, None).workflows == 12_000


def test_the_budget_comes_from_the_setting_then_the_container_then_the_default() -> None:
    assert cache_size(None, 4096, 1 * 2**30).reason.startswith("4096 MiB from HERALD_WORKER_MEMORY_MIB")
    assert cache_size(None, None, 1 * 2**30).reason.startswith("1024 MiB from the container's memory limit")
    assert cache_size(None, None, None).reason.startswith(f"{DEFAULT_MEMORY_MIB} MiB from the default budget")


def test_what_fits_after_the_workers_own_memory() -> None:
    # The Helm chart's 1.5 GiB: ~8,300 alerts, not the fixed 2,000 that made 10,000 escalating alerts replay.
    assert cache_size(None, 1536, None).workflows == (1536 - WORKER_BASE_MIB) * 1024 // PER_CACHED_WORKFLOW_KIB == 8301
    assert cache_size(None, 4096, None).workflows == 25_777  # 10,000 escalating alerts fit with room
    assert cache_size(None, 256, None).workflows == MINIMUM_CACHED_WORKFLOWS  # a budget below the base still caches


@pytest.mark.parametrize(
    ("v2", "v1", "limit"),
    [
        ("1610612736\n", None, 1610612736),  # cgroup v2 with a limit
        ("max\n", None, None),  # cgroup v2 without one
        (None, "536870912\n", 536870912),  # cgroup v1 with a limit
        (None, "9223372036854771712\n", None),  # cgroup v1 "unlimited"
        (None, None, None),  # not in a container
        ("garbage", "536870912", None),  # the first file that exists decides; unreadable text is no limit
    ],
)
def test_the_containers_limit_from_cgroup_v2_or_v1(
    tmp_path: Path, v2: str | None, v1: str | None, limit: int | None
) -> None:
    files = (tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes")
    for file, text in zip(files, (v2, v1), strict=True):
        if text is not None:
            file.write_text(text)
    assert container_memory_limit(files) == limit


def test_a_memory_setting_below_256_mib_is_refused_by_name() -> None:
    from pydantic import ValidationError

    from settings import Settings

    with pytest.raises(ValidationError, match="HERALD_WORKER_MEMORY_MIB"):
        Settings(HERALD_WORKER_MEMORY_MIB="100")
