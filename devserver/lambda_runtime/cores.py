"""How many CPUs the devserver may use: its affinity mask, lowered by a cgroup CPU quota.

A container started with `--cpus=2`, or a CI runner's cgroup, still shows every host core to
`os.cpu_count()` and to the affinity mask; the limit is a quota in the cgroup's `cpu.max`
(cgroup v2: "QUOTA PERIOD", or "max") or `cpu.cfs_quota_us` and `cpu.cfs_period_us` (v1: -1 for
none). A quota anywhere up the process's cgroup path applies, so the smallest one counts.
"""

from __future__ import annotations

import os
from pathlib import Path

_V1_MOUNTS = ("cpu", "cpu,cpuacct", "cpuacct,cpu")


def available_cores(root: Path = Path("/")) -> float:
    """The CPUs this process may run on, as a float when a quota allows a fraction."""
    cores = _affinity()
    quota = _cgroup_quota(root)
    return min(cores, quota) if quota is not None else cores


def _affinity() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _cgroup_quota(root: Path) -> float | None:
    try:
        lines = (root / "proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    quotas: list[float] = []
    for line in lines:
        _id, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if controllers == "":
            quotas.extend(_v2_quotas(root / "sys/fs/cgroup", path))
        elif "cpu" in controllers.split(","):
            for mount in _V1_MOUNTS:
                quotas.extend(_v1_quotas(root / "sys/fs/cgroup" / mount, path))
    return min(quotas) if quotas else None


def _ancestors(mount: Path, path: str) -> list[Path]:
    """The cgroup's directory and each parent up to the mount, and the mount itself.

    Inside a container the cgroup path often names the host's directory while the container sees
    its own cgroup at the mount's root, so the root always counts.
    """
    directory = mount / path.strip("/")
    found = [directory, *directory.parents]
    return [d for d in found if d == mount or mount in d.parents]


def _v2_quotas(mount: Path, path: str) -> list[float]:
    quotas = []
    for directory in _ancestors(mount, path):
        try:
            quota, period = (directory / "cpu.max").read_text().split()
        except (OSError, ValueError):
            continue
        if quota != "max" and float(period) > 0:
            quotas.append(float(quota) / float(period))
    return quotas


def _v1_quotas(mount: Path, path: str) -> list[float]:
    quotas = []
    for directory in _ancestors(mount, path):
        try:
            quota = float((directory / "cpu.cfs_quota_us").read_text())
            period = float((directory / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            continue
        if quota > 0 and period > 0:
            quotas.append(quota / period)
    return quotas
