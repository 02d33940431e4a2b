"""The wiring's [api] table: AppSync's resolver execution limit per request."""

from __future__ import annotations

from pathlib import Path

import pytest

from devserver.wiring import WiringError, load_wiring


def _wiring(tmp_path: Path, api_lines: str) -> Path:
    path = tmp_path / "wiring.toml"
    path.write_text(f'[api]\nname = "t"\n{api_lines}\n')
    return path


def test_the_limit_defaults_to_appsyncs_10000(tmp_path: Path) -> None:
    # GIVEN a wiring that does not name a limit, and one that says 0 (AppSync's "default")
    unset = _wiring(tmp_path, "")
    # WHEN they load
    # THEN both allow 10,000 resolver executions per request
    assert load_wiring(unset).api.resolver_count_limit == 10_000
    assert load_wiring(_wiring(tmp_path, "resolver_count_limit = 0")).api.resolver_count_limit == (
        10_000
    )


@pytest.mark.parametrize("limit", [1, 250, 10_000])
def test_a_limit_in_appsyncs_range_is_kept(tmp_path: Path, limit: int) -> None:
    # GIVEN a wiring with a limit AppSync accepts
    # WHEN it loads
    # THEN that is the request's limit
    path = _wiring(tmp_path, f"resolver_count_limit = {limit}")
    assert load_wiring(path).api.resolver_count_limit == limit


@pytest.mark.parametrize("value", ["-1", "10001", "2.5", '"100"', "true"])
def test_a_limit_appsync_would_refuse_fails_at_load(tmp_path: Path, value: str) -> None:
    # GIVEN a limit outside 0..10,000, or not a whole number
    path = _wiring(tmp_path, f"resolver_count_limit = {value}")
    # WHEN the wiring loads
    # THEN it is refused with a message naming the setting
    with pytest.raises(WiringError, match="resolver_count_limit"):
        load_wiring(path)
