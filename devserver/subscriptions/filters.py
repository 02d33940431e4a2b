"""AppSync's basic subscription filtering: each given argument must equal the same-named field.

Semantics §5.3: every argument the subscriber gave must equal the published object's top-level
field of that name (all of them, AND). An omitted argument is a wildcard; an explicit `null`
matches only a null field. A field the mutation did not select never matches, whatever the
argument, following the field report that the filtered field must be in the mutation's
selection set (for an explicit `null` this is UNCONFIRMED). So is the choice that an argument
naming no field of the return type never matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import GraphQLEnumType, GraphQLError, GraphQLList, GraphQLNonNull, GraphQLScalarType

if TYPE_CHECKING:
    from graphql import GraphQLField, GraphQLInputType


@dataclass(frozen=True)
class ArgumentFilter:
    """The given arguments of one subscription, in wire form (what payloads are compared in)."""

    arguments: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, field: GraphQLField, arguments: Mapping[str, Any]) -> ArgumentFilter:
        """`arguments` as graphql-core coerced them: only the given ones (defaults included)."""
        return cls(
            tuple(
                (name, _wire(value, field.args[name].type) if name in field.args else value)
                for name, value in arguments.items()
            )
        )

    def __len__(self) -> int:
        return len(self.arguments)

    def matches(self, published: Any) -> bool:
        if not self.arguments:
            return True
        if not isinstance(published, Mapping):
            return False
        return all(
            name in published and _equal(published[name], expected)
            for name, expected in self.arguments
        )

    def unselected(self, published: Any) -> tuple[str, ...]:
        """The filtered fields `published` lacks, if only they kept it from matching (else ()).

        A mutation that does not select a field its subscriptions filter on reaches none of
        them, silently: AppSync's most common subscription surprise, worth a warning.
        """
        if not isinstance(published, Mapping):
            return ()
        missing = tuple(name for name, _ in self.arguments if name not in published)
        if missing and all(
            _equal(published[name], expected)
            for name, expected in self.arguments
            if name in published
        ):
            return missing
        return ()


def _wire(value: Any, type_: GraphQLInputType) -> Any:
    """An input value as the same value would be serialized in a response (e.g. enums, IDs)."""
    if value is None:
        return None
    if isinstance(type_, GraphQLNonNull):
        return _wire(value, type_.of_type)
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        return [_wire(item, type_.of_type) for item in items]
    if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        try:
            return type_.serialize(value)
        except (GraphQLError, TypeError, ValueError):  # refused by graphql-core or an AWS scalar
            return value
    return value  # input objects compare as the dicts they are


def _equal(actual: Any, expected: Any) -> bool:
    # Python's 1 == True must not let a Boolean filter match an Int field, or the reverse.
    if isinstance(actual, bool) != isinstance(expected, bool):
        return False
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(map(_equal, actual, expected))
    return bool(actual == expected)
