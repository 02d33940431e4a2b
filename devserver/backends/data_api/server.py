"""An HTTP endpoint speaking the RDS Data API's REST-JSON protocol, one thread per connection."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from devserver.backends.clients import local_client
from devserver.backends.data_api import errors
from devserver.backends.data_api.service import DataApiConfig, DataApiService
from devserver.backends.lifecycle import Service

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_rds_data import RDSDataServiceClient

_log = logging.getLogger(__name__)

Operation = Callable[[Mapping[str, Any]], dict[str, Any]]


def _routes(service: DataApiService) -> dict[str, Operation]:
    # Request URIs from botocore's rds-data service model.
    return {
        "/Execute": service.execute_statement,
        "/BatchExecute": service.batch_execute_statement,
        "/BeginTransaction": service.begin_transaction,
        "/CommitTransaction": service.commit_transaction,
        "/RollbackTransaction": service.rollback_transaction,
    }


def _dispatch(routes: Mapping[str, Operation], path: str, body: bytes) -> dict[str, Any]:
    operation = routes.get(path.split("?", 1)[0])
    if operation is None:
        if path.startswith("/ExecuteSql"):
            raise errors.BadRequestException(
                "This API is deprecated and not available. Use ExecuteStatement API instead"
            )
        raise errors.UnknownOperationException(f"Unknown operation {path}")
    try:
        request = json.loads(body or b"{}")
    except ValueError as e:
        raise errors.BadRequestException("Request body is not valid JSON") from e
    if not isinstance(request, dict):
        raise errors.BadRequestException("Request body must be a JSON object")
    return operation(request)


def handle(routes: Mapping[str, Operation], path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """Run one request; every failure becomes a Data API error shape, never a traceback."""
    try:
        return 200, _dispatch(routes, path, body)
    except errors.DataApiError as e:
        return e.status, e.body()
    except Exception:  # noqa: BLE001 - the boundary: anything unexpected is a 500, logged
        _log.exception("Data API request to %s failed", path)
        return 500, errors.InternalServerErrorException().body()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, which botocore's connection pool relies on
    # Headers and body go out as two writes; with Nagle on, the second waits for the client's
    # delayed ACK and every call costs ~40 ms.
    disable_nagle_algorithm = True
    timeout = 300  # drop idle keep-alive connections eventually
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        limit = self.server.max_request_bytes
        if (reason := self.server.unavailable) is not None:
            # Known to be down: answer now instead of waiting for a connection that cannot come.
            refusal: errors.DataApiError = errors.unavailable(reason)
            status, payload = refusal.status, refusal.body()
        elif len(body) > limit:
            error = errors.BadRequestException(f"Request size exceeds the limit of {limit} bytes")
            status, payload = error.status, error.body()
        else:
            status, payload = handle(self.server.routes, self.path, body)
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if status >= 400:  # noqa: PLR2004 - HTTP error range
            self.send_header("x-amzn-ErrorType", str(payload["__type"]))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        _log.debug("%s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], routes: Mapping[str, Operation], max_request_bytes: int
    ) -> None:
        self.routes = routes
        self.max_request_bytes = max_request_bytes
        self.unavailable: str | None = None
        super().__init__(address, _Handler)


class LocalDataApi(Service):
    """A local RDS Data API endpoint in front of PostgreSQL, on a free loopback port.

    Point the unchanged boto3 `rds-data` client at `endpoint_url` (or set
    `AWS_ENDPOINT_URL_RDS_DATA`) and call it with the configured cluster ARN, secret ARN and
    database.
    """

    def __init__(self, config: DataApiConfig, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self._address = (host, port)
        self._service: DataApiService | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._unavailable: str | None = None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Data API endpoint is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def client(self, config: Config | None = None) -> RDSDataServiceClient:
        """A boto3 `rds-data` client for this endpoint, with fake credentials."""
        client: RDSDataServiceClient = local_client("rds-data", self.endpoint_url, config)
        return client

    name = "dataApi"

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def set_unavailable(self, reason: str | None) -> None:
        """While `reason` is set, every call fails at once with DatabaseUnavailableException."""
        self._unavailable = reason
        if self._server is not None:
            self._server.unavailable = reason

    def reconnect(self) -> None:
        """Drop connections to a PostgreSQL that has since restarted."""
        self.service.reconnect()

    def restart(self) -> None:
        """Serve again on the same port (the handlers' endpoint URL stays valid)."""
        self.stop()
        self.start()

    @property
    def service(self) -> DataApiService:
        if self._service is None:
            raise RuntimeError("the Data API endpoint is not running")
        return self._service

    def start(self) -> None:
        if self._server is not None:
            return
        service = DataApiService(self.config)
        try:
            server = _Server(self._address, _routes(service), self.config.max_request_bytes)
        except BaseException:
            service.close()
            raise
        server.unavailable = self._unavailable
        self._service, self._server = service, server
        # A restart must come back on the same port: the handlers hold the URL.
        self._address = server.server_address[:2]  # type: ignore[assignment]
        self._thread = threading.Thread(target=server.serve_forever, name="data-api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        server, service, thread = self._server, self._service, self._thread
        self._server = self._service = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()
        if service is not None:
            service.close()
