"""The byte frames between the devserver and a worker process: one invoke out, one answer back.

An invoke is a header (event length, the invocation's deadline, its request id) and the event's
JSON text, exactly as `devserver.eventjson` encoded it; an answer is a header (length, kind)
and the result's JSON text or the error. No pickling: the text the handler decodes is the text
AppSync would have sent, and the devserver decodes the text Lambda would have returned.
"""

from __future__ import annotations

import json
import struct

INVOKE = struct.Struct("<IQ36s")  # event length, deadline (epoch ms), aws_request_id
ANSWER = struct.Struct("<IB")  # body length, kind
RESULT, ERROR, READY, FATAL = 0, 1, 2, 3  # FATAL: an error, and the worker exits after it


def invoke_frame(event_json: bytes, deadline_epoch_ms: int, request_id: str) -> bytes:
    return INVOKE.pack(len(event_json), deadline_epoch_ms, request_id.encode()) + event_json


def answer_frame(kind: int, body: bytes) -> bytes:
    return ANSWER.pack(len(body), kind) + body


def error_body(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()
