"""Batch responses: envelopes, bare values and length checks (semantics §2.4)."""

from __future__ import annotations

from devserver.appsync.errors import FieldError
from devserver.lambda_runtime.batching import BATCH_MISMATCH, unwrap_batch_response


def test_envelopes_and_bare_values_are_both_accepted() -> None:
    # GIVEN a response mixing the documented envelope with bare values
    response = [
        {"data": {"id": "1"}},
        {"data": None, "errorMessage": "Not found", "errorType": "NotFound"},
        {"id": "3"},
        None,
        {"data": [1], "errorMessage": "partial"},
    ]
    # WHEN it is unwrapped for five events
    outcomes = unwrap_batch_response("Post.related", response, 5)
    # THEN data is unwrapped, errors become failures carrying their type and data
    assert outcomes[0] == {"id": "1"}
    assert isinstance(outcomes[1], FieldError)
    assert (outcomes[1].error_type, outcomes[1].message) == ("NotFound", "Not found")
    assert outcomes[2] == {"id": "3"}
    assert outcomes[3] is None
    assert isinstance(outcomes[4], FieldError)
    assert (outcomes[4].error_type, outcomes[4].data) == (None, [1])


def test_an_object_with_other_keys_is_a_bare_value() -> None:
    # GIVEN a bare object that happens to have a `data` key among others
    # WHEN it is unwrapped
    outcomes = unwrap_batch_response("T.f", [{"data": 1, "name": "x"}], 1)
    # THEN it is taken as the value itself
    assert outcomes == [{"data": 1, "name": "x"}]


def test_wrong_length_or_non_list_fails_every_item() -> None:
    # GIVEN answers that do not line up with three events
    for response in ([1, 2], [1, 2, 3, 4], {"a": 1}, None):
        # WHEN they are unwrapped
        outcomes = unwrap_batch_response("T.f", response, 3)
        # THEN every item fails with the same mismatch error
        assert len(outcomes) == 3
        assert all(isinstance(o, FieldError) and o.error_type == BATCH_MISMATCH for o in outcomes)
