"""The one decoder for client JSON: a nesting limit instead of RecursionError."""

from __future__ import annotations

import json

import pytest

from devserver.http.json_input import MAX_DEPTH, JsonInputError, loads


def test_json_up_to_the_limit_decodes_as_json_does() -> None:
    # GIVEN documents nested exactly MAX_DEPTH levels, in arrays and in objects
    arrays = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    objects = '{"a":' * MAX_DEPTH + "1" + "}" * MAX_DEPTH
    # WHEN they are decoded
    # THEN the result is json's own
    assert loads(arrays) == json.loads(arrays)
    assert loads(objects) == json.loads(objects)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 100_000])
def test_json_nested_deeper_is_a_value_error(depth: int) -> None:
    # GIVEN a document nested past the limit
    text = "[" * depth + "]" * depth
    # WHEN it is decoded
    # THEN it is refused like bad JSON (a ValueError), not with RecursionError
    with pytest.raises(JsonInputError, match=f"more than {MAX_DEPTH} levels"):
        loads(text)
    with pytest.raises(ValueError):  # what callers catch
        loads(text.encode())


def test_brackets_inside_strings_do_not_count() -> None:
    # GIVEN shallow JSON whose strings hold thousands of brackets, escaped quotes among them
    text = json.dumps({"query": "[" * 5000 + '\\"{' * 100, "v": ["]" * 10]})
    # WHEN it is decoded
    # THEN it decodes, strings intact
    assert loads(text) == json.loads(text)


def test_bytes_in_any_json_encoding_decode() -> None:
    # GIVEN the same document as UTF-8 and UTF-16 bytes
    document = {"query": "{ échos }"}
    # WHEN either is decoded
    # THEN the encoding is detected as json.loads detects it
    assert loads(json.dumps(document).encode()) == document
    assert loads(json.dumps(document).encode("utf-16")) == document


def test_bad_json_keeps_jsons_own_error() -> None:
    # GIVEN shallow text that is not JSON
    # WHEN it is decoded
    # THEN json's own error says what is wrong
    with pytest.raises(json.JSONDecodeError, match="Expecting value"):
        loads('{"a": [1, 2,')
