"""AppSync's argument filters (semantics §5.3): equality per given argument, AND, null is a value."""

from __future__ import annotations

from graphql import build_schema

from devserver.subscriptions.filters import ArgumentFilter

SCHEMA = build_schema(
    """
    type Query { unused: Int }
    enum Level { LOW HIGH }
    type Item { id: ID, owner: String, count: Int, flag: Boolean, level: Level, tags: [String] }
    type Subscription {
      on(id: ID, owner: String, count: Int, flag: Boolean, level: Level, tags: [String]): Item
    }
    """
)
FIELD = SCHEMA.subscription_type.fields["on"]  # type: ignore[union-attr]


def matches(arguments: dict, published: object) -> bool:
    return ArgumentFilter.of(FIELD, arguments).matches(published)


def test_no_arguments_match_everything() -> None:
    assert matches({}, {"id": "1"})
    assert matches({}, None)


def test_each_given_argument_must_equal_its_field() -> None:
    item = {"id": "1", "owner": "ana", "count": 3}
    assert matches({"owner": "ana"}, item)
    assert matches({"owner": "ana", "count": 3}, item)
    assert not matches({"owner": "ana", "count": 4}, item)  # AND, not OR
    assert not matches({"owner": "bob"}, item)


def test_explicit_null_matches_only_a_null_field() -> None:
    assert matches({"owner": None}, {"id": "1", "owner": None})
    assert not matches({"owner": None}, {"id": "1", "owner": "ana"})


def test_a_field_the_mutation_did_not_select_never_matches() -> None:
    assert not matches({"owner": "ana"}, {"id": "1"})
    assert not matches({"owner": None}, {"id": "1"})


def test_values_compare_in_wire_form() -> None:
    # An ID literal 7 is the string "7" on the wire; an enum is its name.
    assert matches({"id": 7}, {"id": "7"})
    assert matches({"level": "HIGH"}, {"level": "HIGH"})
    assert matches({"tags": ["a", "b"]}, {"tags": ["a", "b"]})
    assert not matches({"tags": ["a"]}, {"tags": ["a", "b"]})


def test_booleans_and_numbers_never_match_each_other() -> None:
    assert not matches({"flag": True}, {"flag": 1})
    assert not matches({"count": 1}, {"count": True})
    assert matches({"flag": False}, {"flag": False})


def test_the_filter_counts_its_given_arguments() -> None:
    assert len(ArgumentFilter.of(FIELD, {"id": "1", "owner": None})) == 2


def test_unselected_names_the_fields_that_alone_kept_an_event_out() -> None:
    # GIVEN a subscriber filtering on owner and count
    filter_ = ArgumentFilter.of(FIELD, {"owner": "ana", "count": 3})
    # WHEN the mutation selected owner (matching) but not count
    # THEN count alone kept the event out
    assert filter_.unselected({"id": "1", "owner": "ana"}) == ("count",)
    # WHEN the selected owner differs, the unselected count is not the reason
    assert filter_.unselected({"id": "1", "owner": "bob"}) == ()
    # WHEN everything was selected, nothing is unselected
    assert filter_.unselected({"owner": "ana", "count": 4}) == ()
