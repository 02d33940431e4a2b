"""moto's DynamoDB as one WSGI app: reads side by side, writes alone, `/_local/` for the parent.

- DynamoDB applies every conditional write and transaction atomically. moto checks a condition
  and then writes with no lock, so two concurrent writers that read the same version could both
  pass `version = :expected`: a lost update DynamoDB never allows. A write therefore runs alone.
- Reads run side by side. Under one lock, a GetItem waited behind every Query and BatchGetItem
  of 100 items queued before it (tens of ms each): a heavy request's reads held up every other
  client's (benchmarks/RESULTS.md, section 8). Sharing the GIL instead, a short read finishes
  within a few switch intervals. DynamoDB Streams requests stay exclusive: moto's
  GetShardIterator records the iterator it hands out.
- moto's own dispatcher works out the service from the Host and Authorization headers on every
  request (a scan of its service list and dozens of `stat` calls). The `X-Amz-Target` header
  names DynamoDB (or DynamoDB Streams) directly, so those go straight to the service's app.
- `GET /_local/state` returns how many write requests were served, so the parent can tell
  whether a snapshot is due without reading any table; `GET /_local/snapshot` returns every
  table in `dynamodb_snapshot`'s format, read in memory while no write runs.
"""

from __future__ import annotations

import io
import json
import threading
from typing import TYPE_CHECKING, Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.utilities import dynamo_to_dict
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from devserver.backends import dynamodb_snapshot
from devserver.backends.moto_server.attribute_values import as_base64, plain
from devserver.backends.moto_server.read_write_lock import ReadWriteLock

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REGION = "us-east-1"  # the region the local clients use, as the API-based snapshot did
_SERVICES = {"DynamoDB_20120810": "dynamodb", "DynamoDBStreams_20120810": "dynamodbstreams"}
_READS = ("Get", "BatchGet", "Query", "Scan", "Describe", "List", "TransactGet")


def dump_tables() -> dict[str, Any]:
    """Every table's definition, TTL and items, as `dynamodb_snapshot.dump` reads them."""
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
    tables = []
    for table in list(backend.tables.values()):
        description = dynamo_to_dict(table.describe(base_key="Table"))["Table"]
        ttl = table.ttl or {}
        tables.append(
            {
                "definition": dynamodb_snapshot.definition_from_description(description),
                "ttlAttribute": ttl.get("AttributeName")
                if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
                else None,
                "items": [
                    {name: plain(value, as_base64) for name, value in item.attrs.items()}
                    for item in table.all_items()
                ],
            }
        )
    return {"version": dynamodb_snapshot.FORMAT_VERSION, "tables": tables}


def _tables_written(environ: WSGIEnvironment) -> list[str] | None:
    """The names of the tables a write request names, or None when its body cannot tell."""
    body = environ["wsgi.input"].read()
    environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
    try:
        request = json.loads(body)
        if "TableName" in request:
            named = [request["TableName"]]
        elif "RequestItems" in request:
            named = list(request["RequestItems"])
        else:
            named = [op["TableName"] for entry in request["TransactItems"] for op in entry.values()]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    names = [_table_name(str(name)) for name in named]
    known = [name for name in names if name is not None]
    return known if len(known) == len(names) else None


def _table_name(name_or_arn: str) -> str | None:
    """A table's name; DynamoDB (and moto) take its ARN wherever they take the name.

    Reads look a table's generation up by name, so a write recorded under the ARN would leave
    them on the table's old index groupings and item sizes.
    """
    if not name_or_arn.startswith("arn:"):
        return name_or_arn
    _, found, resource = name_or_arn.partition(":table/")
    name = resource.split("/", 1)[0]
    return name if found and name else None


class LocalDynamoDBApp:
    """The child's WSGI app (see the module docstring)."""

    def __init__(self) -> None:
        self._fallback: WSGIApplication = DomainDispatcherApplication(create_backend_app)
        self._services: dict[str, WSGIApplication] = {}
        self._lock = ReadWriteLock()
        self._services_lock = threading.Lock()
        self.changes = 0
        # Per table, the value of `changes` at its last write; None: any table may have changed.
        self._written: dict[str, int] = {}
        self._any_written = 0

    def table_generation(self, table: str) -> tuple[int, int]:
        """Changes whenever a write request may have changed `table`."""
        return self._any_written, self._written.get(table, 0)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/_local/"):
            return self._local(environ, start_response)
        prefix, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")
        service = _SERVICES.get(prefix)
        app = self._fallback if service is None else self._service(service)
        writes = not operation.startswith(_READS)
        tables = _tables_written(environ) if writes and service == "dynamodb" else None
        shared = not writes and service == "dynamodb"
        with self._lock.reading() if shared else self._lock.writing():
            if writes:
                self.changes += 1
                if tables is None:
                    self._any_written = self.changes
                for table in tables or ():
                    self._written[table] = self.changes
            # Draining the body inside the lock keeps lazily built responses atomic too.
            return list(app(environ, start_response))

    def _service(self, name: str) -> WSGIApplication:
        with self._services_lock:
            app = self._services.get(name)
            if app is None:
                flask_app = create_backend_app(name)  # type: ignore[arg-type]
                # moto turns on Flask's debug mode, which builds a class per request: cyclic
                # garbage that only a full collection frees, and a full pass walks every item
                # of every table while all requests wait. Errors still reach our server.
                flask_app.debug = False
                flask_app.config["PROPAGATE_EXCEPTIONS"] = True
                app = self._services[name] = flask_app
            return app

    def _local(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        path = environ["PATH_INFO"]
        with self._lock.reading():
            if path == "/_local/state":
                payload: dict[str, Any] = {"changes": self.changes}
            elif path == "/_local/snapshot":
                payload = dump_tables()
            else:
                start_response("404 Not Found", [("Content-Type", "application/json")])
                return [b'{"message":"unknown local path"}']
        # Serializing outside the lock: the dump holds fresh objects, not moto's own.
        body = json.dumps(payload, separators=(",", ":")).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
