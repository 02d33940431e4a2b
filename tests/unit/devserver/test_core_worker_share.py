"""How many of a function's workers one request may hold: never all, never more than half the cores."""

from __future__ import annotations

import os

import pytest

from devserver.lambda_runtime import cores as cores_module
from devserver.lambda_runtime.cores import available_cores
from devserver.lambda_runtime.pool import request_share


@pytest.mark.parametrize(
    ("cores", "concurrency", "share"),
    [
        (2, 4, 1),  # a 2-core laptop: one worker, the other core stays for everyone else
        (8, 4, 3),  # cores to spare: all workers but one
        (16, 10, 8),
        (8, 1, 1),  # a single worker is everyone's
        (1, 4, 1),
    ],
)
def test_a_request_holds_at_most_half_the_cores_and_never_every_worker(
    monkeypatch: pytest.MonkeyPatch, cores: int, concurrency: int, share: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)), raising=False)
    monkeypatch.setattr(cores_module, "_cgroup_quota", lambda _root: None)
    assert request_share(concurrency) == share


def test_a_containers_cpu_quota_counts_as_its_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an 8-core host, and a container limited to 2 CPUs
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(8)), raising=False)
    monkeypatch.setattr(cores_module, "_cgroup_quota", lambda _root: 2.0)
    # THEN a request holds one worker, as on a 2-core laptop
    assert request_share(4) == 1


def _tree(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        # cgroup v2: the process's own cgroup, and a tighter parent
        (
            {
                "proc/self/cgroup": "0::/app/web\n",
                "sys/fs/cgroup/app/web/cpu.max": "150000 100000\n",
            },
            1.5,
        ),
        (
            {
                "proc/self/cgroup": "0::/app/web\n",
                "sys/fs/cgroup/app/web/cpu.max": "max 100000\n",
                "sys/fs/cgroup/app/cpu.max": "100000 100000\n",
            },
            1.0,
        ),
        # a container that sees its own cgroup at the mount's root
        ({"proc/self/cgroup": "0::/docker/abc\n", "sys/fs/cgroup/cpu.max": "300000 100000\n"}, 3.0),
        # cgroup v1, with the controllers mounted together
        (
            {
                "proc/self/cgroup": "4:memory:/x\n3:cpu,cpuacct:/x\n",
                "sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_quota_us": "50000\n",
                "sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_period_us": "100000\n",
            },
            0.5,
        ),
        # no quota: v2 "max", v1 -1, or no cgroup at all
        ({"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/cpu.max": "max 100000\n"}, None),
        (
            {
                "proc/self/cgroup": "1:cpu:/\n",
                "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
                "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
            },
            None,
        ),
        ({}, None),
    ],
)
def test_the_cpu_quota_is_read_from_the_process_cgroup(
    monkeypatch: pytest.MonkeyPatch, tmp_path, files: dict[str, str], quota: float | None
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(64)), raising=False)
    expected = 64 if quota is None else quota
    assert available_cores(_tree(tmp_path, files)) == expected
