# ruff: noqa: PLC0415 - imports inside the functions are what the clock measures
"""One cold start in the fresh process running this file: `handler`, `peer` or `floor`.

`handler` is Potluck's; `floor` only imports boto3, builds the client and makes the GetItem;
`peer` is the smallest Powertools AppSync handler doing that GetItem: the framework alone.

Run by path (not as part of a package) so nothing but the standard library is imported before
the clock starts. The work comes from $BENCH_COLD_INPUT (JSON); the figures go to the last line
of stdout as JSON. Everything after the first invocation is outside the timed window.
"""

import time

T0 = time.perf_counter()
CPU0 = time.process_time()

import json  # noqa: E402 - after the clock starts, on both sides alike
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


class Context:
    """The attributes of the Lambda context object that Powertools reads."""

    function_name = "potluck-api"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:potluck-api"
    log_group_name = "/aws/lambda/potluck-api"
    log_stream_name = "bench"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def peak_rss_mib() -> float:
    # VmHWM belongs to this program's address space. getrusage's ru_maxrss does not: Linux
    # keeps it across fork and exec, so it would report the parent's size when that is larger.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_handler(work: dict[str, Any]) -> dict[str, Any]:
    from resolvers import app, bootstrap

    imported = time.perf_counter()
    container_at_import = bootstrap._container is not None  # noqa: SLF001 - the cache itself
    first = app.handler(work["event"], Context())
    done = time.perf_counter()
    cpu = time.process_time() - CPU0
    rss = peak_rss_mib()
    container = bootstrap.get_container()
    built = sorted(name for name in ("dynamodb", "rds_data") if name in vars(container))
    client_before = container.dynamodb
    second_start = time.perf_counter()
    second = app.handler(work["event"], Context())
    second_s = time.perf_counter() - second_start
    return {
        "import_s": imported - T0,
        "total_s": done - T0,
        "cpu_s": cpu,
        "peak_rss_mib": rss,
        "found": bool(first and first.get("id")) and first == second,
        "container_at_import": container_at_import,
        "clients_built": built,
        "client_reused": container.dynamodb is client_before,
        "warm_invoke_s": second_s,
    }


def new_client() -> Any:
    import boto3
    from botocore.config import Config

    # The same session, client and configuration the container builds (resolvers/store/dynamo.py).
    return boto3.Session().client(
        "dynamodb",
        config=Config(
            retries={"mode": "standard", "max_attempts": 5}, connect_timeout=2, read_timeout=5
        ),
    )


def run_peer(work: dict[str, Any]) -> dict[str, Any]:
    import boto3  # noqa: F401 - imported up front, as a module using it at top level would
    from aws_lambda_powertools import Logger, Tracer
    from aws_lambda_powertools.event_handler import AppSyncResolver
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.metrics import MetricUnit, single_metric  # noqa: F401 - as the app

    # The framework as resolvers/app.py uses it: Logger and Tracer decorators, metrics imported
    # for the rare `single_metric`, one AppSyncResolver.
    logger, tracer = Logger(service="peer"), Tracer(service="peer")
    app = AppSyncResolver()
    clients: dict[str, Any] = {}

    @app.resolver(type_name="Query", field_name="recipe")
    def recipe(id: str) -> Any:  # noqa: A002, ARG001 - the GraphQL argument
        client = clients.get("dynamodb") or clients.setdefault("dynamodb", new_client())
        return client.get_item(TableName=work["table"], Key=work["key"]).get("Item")

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: dict[str, Any], context: Any) -> Any:
        return app.resolve(event, context)

    imported = time.perf_counter()
    item = handler(work["event"], Context())
    return figures(imported, found=bool(item))


def run_floor(work: dict[str, Any]) -> dict[str, Any]:
    import boto3  # noqa: F401 - the import is what is measured

    imported = time.perf_counter()
    response = new_client().get_item(TableName=work["table"], Key=work["key"])
    return figures(imported, found="Item" in response)


def run_thumbnails(work: dict[str, Any]) -> dict[str, Any]:
    """The thumbnail function: import (Pillow included) and one S3 event, rendered and stored."""
    from resolvers.thumbnails import handler

    imported = time.perf_counter()
    result = handler.handler(work["event"], Context())
    return figures(imported, found=result == {"processed": ["READY"]})


def figures(imported: float, *, found: bool) -> dict[str, Any]:
    """Import and total wall time since the clock started, CPU, peak RSS, and the outcome."""
    done = time.perf_counter()
    cpu = time.process_time() - CPU0
    return {
        "import_s": imported - T0,
        "total_s": done - T0,
        "cpu_s": cpu,
        "peak_rss_mib": peak_rss_mib(),
        "found": found,
    }


def main() -> None:
    work = json.loads(os.environ["BENCH_COLD_INPUT"])
    modes = {
        "handler": run_handler,
        "peer": run_peer,
        "floor": run_floor,
        "thumbnails": run_thumbnails,
    }
    run = modes[sys.argv[1]]
    result = run(work)
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
