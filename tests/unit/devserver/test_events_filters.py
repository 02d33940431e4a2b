"""Lambda's filter patterns: which stream records reach the function."""

from __future__ import annotations

from typing import Any

import pytest

from devserver.events.filters import FilterPatternError, matches, matches_any, validate


def stream_record(event_name: str = "INSERT", **new_image: Any) -> dict[str, Any]:
    return {
        "eventName": event_name,
        "dynamodb": {
            "Keys": {"pk": {"S": "RECIPE#1"}, "sk": {"S": "RECIPE"}},
            "NewImage": {key: {"S": value} for key, value in new_image.items()},
        },
    }


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"eventName": ["INSERT"]}, True),
        ({"eventName": ["MODIFY", "REMOVE"]}, False),
        ({"dynamodb": {"Keys": {"sk": {"S": ["RECIPE"]}}}}, True),
        ({"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "TAG#"}]}}}}, False),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "RECIPE#"}]}}}}, True),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"suffix": "#1"}]}}}}, True),
        ({"eventName": [{"equals-ignore-case": "insert"}]}, True),
        ({"eventName": [{"anything-but": ["REMOVE"]}]}, True),
        ({"eventName": [{"anything-but": {"prefix": "INS"}}]}, False),
        ({"dynamodb": {"NewImage": {"email": {"S": [{"exists": True}]}}}}, True),
        ({"dynamodb": {"NewImage": {"phone": {"S": [{"exists": False}]}}}}, True),
        ({"dynamodb": {"NewImage": {"email": [{"exists": False}]}}}, False),
        ({"dynamodb": {"NewImage": {"bio": {"S": [""]}}}}, True),
        ({"dynamodb": {"NewImage": {"bio": {"S": [None]}}}}, False),
    ],
)
def test_a_pattern_matches_as_lambda_documents(pattern: dict[str, Any], expected: bool) -> None:
    # GIVEN a new recipe's stream record with an e-mail and an empty bio
    record = stream_record(email="ana@example.com", bio="")
    # WHEN a filter pattern is applied THEN it passes exactly the records Lambda would pass
    validate(pattern)
    assert matches(pattern, record) is expected


def test_numeric_ranges_match_numbers_and_never_dynamodb_number_strings() -> None:
    # GIVEN a pattern for 1 <= stars < 4
    pattern = {"stars": [{"numeric": [">=", 1, "<", 4]}]}
    # WHEN it meets numbers, and a DynamoDB number (a string)
    # THEN it matches only the JSON numbers in range, as Lambda does
    assert matches(pattern, {"stars": 3})
    assert not matches(pattern, {"stars": 4})
    assert not matches(pattern, {"stars": "3"})


def test_an_array_in_the_record_matches_when_any_element_matches() -> None:
    # GIVEN a record with a list of tags
    record = {"tags": ["vegan", "quick"]}
    # WHEN filtered on one of them THEN it passes; on none of them THEN it does not
    assert matches({"tags": ["quick"]}, record)
    assert not matches({"tags": ["slow"]}, record)


def test_or_between_sub_patterns_and_filters() -> None:
    # GIVEN a REMOVE record
    record = stream_record("REMOVE")
    # WHEN patterns are combined with $or, or given as several filters
    either = {"$or": [{"eventName": ["INSERT"]}, {"eventName": ["REMOVE"]}]}
    # THEN one matching branch or filter is enough, and no filters at all pass everything
    assert matches(either, record)
    assert matches_any([{"eventName": ["INSERT"]}, {"eventName": ["REMOVE"]}], record)
    assert not matches_any([{"eventName": ["INSERT"]}], record)
    assert matches_any([], record)


@pytest.mark.parametrize(
    "pattern",
    [
        {"eventName": "INSERT"},
        {"eventName": []},
        {"eventName": [{"wildcard": "IN*"}]},
        {"stars": [{"numeric": [">", "one"]}]},
        {"$or": [{"eventName": ["INSERT"]}]},
    ],
)
def test_patterns_lambda_refuses_are_refused(pattern: dict[str, Any]) -> None:
    # GIVEN a pattern Lambda would reject when the mapping is created
    # WHEN it is validated THEN it is refused with a reason
    with pytest.raises(FilterPatternError):
        validate(pattern)
