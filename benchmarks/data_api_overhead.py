# ruff: noqa: RUF001 - the report's typography: multiplication sign for ratios, en dash for ranges
"""6. Data API endpoint overhead: boto3 `rds-data` → local endpoint → PostgreSQL vs psycopg direct.

The same statements (the repositories' own SQL) run against the same database three ways, one
statement at a time, autocommitted, in turn: through a boto3 `rds-data` client with the app's
parameter encoding and JSON records; as the same JSON body POSTed over a kept-alive loopback
connection without botocore; and through one psycopg connection with dict rows. The middle one
splits the overhead between the endpoint and the boto3 client. The endpoint runs in the
backends' own process, as a real endpoint would be outside the caller's.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import psycopg
from botocore.config import Config
from psycopg.rows import dict_row

from benchmarks.report import (
    INFO,
    Section,
    Table,
    fmt,
    paired_ratios,
    ratio_cell,
    spread,
    summarize,
)
from resolvers.comments.repository import COUNTS, FIRST_PAGE, INSERT
from resolvers.store.data_api import to_sql_parameter

if TYPE_CHECKING:
    from collections.abc import Callable

    from benchmarks.backends import AppEnv

TITLE = "6. Data API endpoint overhead"
TARGET = (
    "reported, no threshold: the local Data API endpoint's cost per statement over psycopg"
    " direct (it stands in for a managed service whose own latency is not modelled)"
)
BLOCK_CALLS = 20
RECIPE = "bench-data-api-recipe"
COUNT_IDS = 50


def _psycopg_sql(sql: str) -> str:
    # The Data API's :name placeholders as psycopg's %(name)s (the SQL has no `::` casts).
    return re.sub(r"(?<![:\w]):([a-z_]+)", r"%(\1)s", sql)


def statements() -> dict[str, tuple[str, dict[str, Any]]]:
    ids = [RECIPE] + [f"bench-other-{n}" for n in range(COUNT_IDS - 1)]
    return {
        "SELECT 1": ("SELECT 1 AS one", {}),
        "first page of 20 comments": (FIRST_PAGE, {"recipe_id": RECIPE, "limit": 20}),
        f"comment counts for {COUNT_IDS} recipes (JSON parameter)": (COUNTS, {"recipe_ids": ids}),
        # The id is made once, as addComment makes it before its first attempt: the first call
        # inserts, and every later one takes the idempotent path a resent statement takes.
        "idempotent comment insert (RETURNING)": (
            INSERT,
            {
                "id": str(uuid.uuid4()),
                "recipe_id": RECIPE,
                "author_id": "bench-author",
                "body": "A benchmark comment.",
            },
        ),
    }


def _block(function: Callable[[], Any], calls: int) -> float:
    started = time.perf_counter_ns()
    for _ in range(calls):
        function()
    return (time.perf_counter_ns() - started) / calls / 1000


def measure(app_env: AppEnv, *, repeats: int) -> Section:
    env = app_env.env
    client = boto3.Session(
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    ).client("rds-data", endpoint_url=env["AWS_ENDPOINT_URL_RDS_DATA"], config=Config())
    target: dict[str, Any] = {
        "resourceArn": env["DB_CLUSTER_ARN"],
        "secretArn": env["DB_SECRET_ARN"],
        "database": env["DB_NAME"],
    }
    table = Table(
        [
            "Statement",
            "boto3 → endpoint → PostgreSQL (µs)",
            "raw HTTP → endpoint → PostgreSQL (µs)",
            "psycopg direct (µs)",
            "Added by the endpoint (µs)",
            "Added by the boto3 client (µs)",
            "boto3 / psycopg",
        ]
    )
    data: dict[str, Any] = {}
    endpoint = urlsplit(env["AWS_ENDPOINT_URL_RDS_DATA"])
    raw = http.client.HTTPConnection(endpoint.hostname or "127.0.0.1", endpoint.port, timeout=30)
    with psycopg.connect(app_env.postgres_uri, autocommit=True, row_factory=dict_row) as conn:
        for n in range(20):
            conn.execute(
                "INSERT INTO comments (id, recipe_id, author_id, body) VALUES (%s, %s, %s, %s)",
                [uuid.uuid4(), RECIPE, "bench-author", f"Seed comment {n}"],
            )
        for name, (sql, params) in statements().items():
            parameters = [to_sql_parameter(key, value) for key, value in params.items()]
            direct_sql = _psycopg_sql(sql)
            direct_params = {
                k: json.dumps(v) if isinstance(v, list) else v for k, v in params.items()
            }

            def via_data_api(sql: str = sql, parameters: Any = parameters) -> list[Any]:
                response = client.execute_statement(
                    **target, sql=sql, parameters=parameters, formatRecordsAs="JSON"
                )
                return list(json.loads(response.get("formattedRecords") or "[]"))

            def via_psycopg(
                direct_sql: str = direct_sql, direct_params: Any = direct_params
            ) -> list[Any]:
                return conn.execute(direct_sql, direct_params).fetchall()

            body = json.dumps(
                {**target, "sql": sql, "parameters": parameters, "formatRecordsAs": "JSON"}
            ).encode()

            def via_http(body: bytes = body) -> list[Any]:
                raw.request("POST", "/Execute", body, {"Content-Type": "application/json"})
                response = raw.getresponse()
                payload = json.loads(response.read())
                assert response.status == 200, payload
                return list(json.loads(payload.get("formattedRecords") or "[]"))

            rows = [via_data_api(), via_http(), via_psycopg()]
            assert len({len(r) for r in rows}) == 1, name
            sides: dict[str, Callable[[], Any]] = {
                "data_api_us": via_data_api,
                "http_us": via_http,
                "psycopg_us": via_psycopg,
            }
            for function in sides.values():
                for _ in range(3):
                    function()
            samples: dict[str, list[float]] = {key: [] for key in sides}
            for i in range(repeats):
                keys = list(sides)
                for key in keys[i % 3 :] + keys[: i % 3]:
                    samples[key].append(_block(sides[key], BLOCK_CALLS))
            api_us, http_us, direct_us = (
                samples["data_api_us"],
                samples["http_us"],
                samples["psycopg_us"],
            )
            overhead = summarize([a - d for a, d in zip(api_us, direct_us, strict=True)])
            endpoint_share = summarize([h - d for h, d in zip(http_us, direct_us, strict=True)])
            client_share = summarize([a - h for a, h in zip(api_us, http_us, strict=True)])
            ratio = summarize(paired_ratios(api_us, direct_us))
            data[name] = {
                "data_api_us": summarize(api_us),
                "http_us": summarize(http_us),
                "psycopg_us": summarize(direct_us),
                "overhead_us": overhead,
                "endpoint_us": endpoint_share,
                "boto3_client_us": client_share,
                "ratio": ratio,
                "rows": len(rows[0]),
                "samples": samples,
            }
            table.rows.append(
                [
                    f"{name} ({len(rows[0])} rows)",
                    spread(summarize(api_us), digits=0),
                    spread(summarize(http_us), digits=0),
                    spread(summarize(direct_us), digits=0),
                    spread(endpoint_share, digits=0),
                    spread(client_share, digits=0),
                    ratio_cell(ratio),
                ]
            )
        conn.execute("DELETE FROM comments WHERE recipe_id = %s", [RECIPE])
    raw.close()
    overheads = [entry["overhead_us"].median for entry in data.values()]
    return Section(
        key="data_api_overhead",
        title=TITLE,
        target=TARGET,
        verdict=INFO,
        headline=(
            f"{fmt(min(overheads), 0)}–{fmt(max(overheads), 0)} µs added per statement"
            f" ({min(e['ratio'].median for e in data.values()):.1f}–"
            f"{max(e['ratio'].median for e in data.values()):.1f}× psycopg direct)"
        ),
        tables=[table],
        notes=[
            (
                f"{repeats} blocks of {BLOCK_CALLS} statements per side, in rotating order;"
                " differences and ratios are taken block by block. 'Added by the endpoint' is raw"
                " HTTP minus psycopg; 'added by the boto3 client' is boto3 minus raw HTTP."
            ),
            (
                "The overhead is what a local statement pays for being a Data API call: botocore"
                " request building, SigV4 signing and response parsing on the client; on the endpoint,"
                " HTTP on loopback, JSON decoding, parameter conversion, result formatting and the"
                " pool's per-call connection reset. Against"
                " Aurora the Data API's own network latency comes on top; locally the endpoint keeps"
                " the shape of those calls, not their latency."
            ),
        ],
        data={"statements": data, "repeats": repeats, "block_calls": BLOCK_CALLS},
    )
