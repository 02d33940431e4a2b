"""GraphQL answers are encoded with orjson, and the standard library takes what orjson refuses."""

from __future__ import annotations

import json

import pytest

from devserver.appsync import json_output


def test_an_answer_decodes_to_the_same_value_and_keeps_non_ascii_text_as_utf8() -> None:
    answer = {
        "data": {"recipe": {"title": "Crème brûlée 🍮", "servings": 4, "rating": 4.75}},
        "errors": [{"message": "x", "path": ["recipe", "author"], "locations": None}],
    }
    text = json_output.dumps(answer)
    assert json.loads(text) == answer
    assert "Crème brûlée 🍮".encode() in text  # not \u escapes
    assert b", " not in text  # compact, as AppSync answers


@pytest.mark.parametrize(
    "error_data",
    [
        {"big": 2**70},  # beyond orjson's 64 bits
        {1: "a key that is not a string"},
        {"lone": "\ud800"},  # a surrogate a Lambda's JSON can carry
    ],
)
def test_what_orjson_refuses_is_encoded_as_the_standard_library_always_did(
    error_data: dict[object, object],
) -> None:
    answer = {"data": None, "errors": [{"message": "boom", "data": error_data}]}
    text = json_output.dumps(answer)
    assert text == json.dumps(answer, separators=(",", ":")).encode()
    assert json.loads(text)["errors"][0]["data"] == json.loads(json.dumps(error_data))
