"""A local Amazon SES v2 endpoint: the unchanged boto3 `sesv2` client sends, the outbox keeps.

Handlers reach it through the standard `AWS_ENDPOINT_URL_SESV2`, so the code that sends through
SES in the cloud sends here unchanged. It speaks SES v2's REST-JSON wire protocol for the two
calls a sender needs: `CreateEmailIdentity` (verified at once; in the cloud an address is
verified by a link, a domain by DNS) and `SendEmail` (Simple or Raw content). As SES does, it
refuses a sender whose address or domain is not a verified identity (`MessageRejected`). Each
accepted message becomes one `.eml` file under the outbox, named by time and message id, and one
log line, so a developer can open it in a mail client.

Why not moto's SES: moto keeps sent messages in its child process's memory, with no API to read
them back, and its Simple path keeps only one of the text and HTML bodies.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import tempfile
import threading
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger("devserver.mail")

MAX_BODY_BYTES = 40 * 1024 * 1024  # SES v2's message size limit
_IDENTITIES = "/v2/email/identities"
_OUTBOUND = "/v2/email/outbound-emails"


class SesError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class LocalSes:
    """`start()` serves on a free loopback port (`endpoint_url`); mail lands in `outbox`."""

    def __init__(self, outbox: Path, *, host: str = "127.0.0.1") -> None:
        self.outbox = outbox
        self._host = host
        self._identities: set[str] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the local SES endpoint is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def env(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL_SESV2": self.endpoint_url}

    def start(self) -> dict[str, str]:
        if self._server is None:
            self._server = ThreadingHTTPServer((self._host, 0), _handler_for(self))
            self._server.daemon_threads = True
            threading.Thread(
                target=self._server.serve_forever, name="local-ses", daemon=True
            ).start()
        return self.env

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def sent(self) -> list[Path]:
        """The outbox's messages, oldest first."""
        return sorted(self.outbox.glob("*.eml")) if self.outbox.is_dir() else []

    def create_identity(self, body: dict[str, Any]) -> dict[str, Any]:
        identity = str(body.get("EmailIdentity") or "").strip().lower()
        if not identity:
            raise SesError("BadRequestException", "EmailIdentity is required.")
        with self._lock:
            self._identities.add(identity)
        kind = "EMAIL_ADDRESS" if "@" in identity else "DOMAIN"
        return {"IdentityType": kind, "VerifiedForSendingStatus": True}

    def send(self, body: dict[str, Any]) -> dict[str, Any]:
        sender = str(body.get("FromEmailAddress") or "")
        content = body.get("Content") or {}
        message_id = f"{uuid.uuid4()}-local"
        if "Raw" in content:
            raw = _raw_bytes(content["Raw"])
            sender = sender or _header(raw, "From")
        elif "Simple" in content:
            raw = _simple_message(sender, body.get("Destination") or {}, content["Simple"])
        else:
            raise SesError("BadRequestException", "Content needs Simple, Raw or Template.")
        self._check_sender(sender)
        path = self._write(raw, message_id)
        logger.info("mail from %s, subject %r: %s", sender, _header(raw, "Subject"), path)
        return {"MessageId": message_id}

    def _check_sender(self, sender: str) -> None:
        address = parseaddr(sender)[1].lower()
        domain = address.rpartition("@")[2]
        with self._lock:
            verified = address in self._identities or domain in self._identities
        if not address or not verified:
            raise SesError(
                "MessageRejected",
                "Email address is not verified. The following identities failed the check in"
                f" region US-EAST-1: {sender}",
            )

    def _write(self, raw: bytes, message_id: str) -> Path:
        self.outbox.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        path = self.outbox / f"{stamp}-{message_id}.eml"
        fd, temp = tempfile.mkstemp(dir=self.outbox, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        Path(temp).replace(path)
        return path


def _raw_bytes(raw: dict[str, Any]) -> bytes:
    try:
        return base64.b64decode(str(raw.get("Data", "")), validate=True)
    except (binascii.Error, ValueError):
        raise SesError("BadRequestException", "Raw.Data is not base64.") from None


def _simple_message(sender: str, destination: dict[str, Any], simple: dict[str, Any]) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    for header, key in (("To", "ToAddresses"), ("Cc", "CcAddresses")):
        if destination.get(key):
            message[header] = ", ".join(destination[key])
    message["Subject"] = simple.get("Subject", {}).get("Data", "")
    message["Date"] = formatdate(usegmt=True)
    body = simple.get("Body", {})
    text, html = body.get("Text", {}).get("Data"), body.get("Html", {}).get("Data")
    message.set_content(text or "")
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def _header(raw: bytes, name: str) -> str:
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].splitlines():
        key, _, value = line.decode("utf-8", "replace").partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return ""


def _answer(
    routes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]], request: BaseHTTPRequestHandler
) -> dict[str, Any]:
    action = routes.get(request.path.split("?", 1)[0])
    if action is None:
        raise SesError("NotFoundException", f"{request.path} is not served locally", 404)
    length = int(request.headers.get("content-length") or 0)
    if length > MAX_BODY_BYTES:
        raise SesError("MessageRejected", "Message too long.")
    body = json.loads(request.rfile.read(length) or b"{}")
    if not isinstance(body, dict):
        raise SesError("BadRequestException", "The body must be a JSON object.")
    return action(body)


def _handler_for(ses: LocalSes) -> type[BaseHTTPRequestHandler]:
    routes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        _IDENTITIES: ses.create_identity,
        _OUTBOUND: ses.send,
    }

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                self._reply(200, _answer(routes, self), None)
            except SesError as error:
                self._reply(error.status, {"message": error.message}, error.code)
            except ValueError:
                self._reply(400, {"message": "The body is not JSON."}, "BadRequestException")

        def _reply(self, status: int, payload: dict[str, Any], error_code: str | None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("x-amzn-requestid", str(uuid.uuid4()))
            if error_code:
                self.send_header("x-amzn-errortype", error_code)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            del format, args  # the devserver logs each message itself

    return Handler
