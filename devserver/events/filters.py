"""Lambda's event filtering: which records a filter pattern lets through to the function.

Lambda filters with the same pattern language as EventBridge, minus wildcards. A pattern is a JSON
object mirroring the record; each leaf is a list of rules, any of which may match. A record passes
an event source when it matches any of its patterns (several filters are ORed). Supported rules,
as Lambda documents them: literal values (strings, numbers, `null`, `""`), `prefix`, `suffix`,
`equals-ignore-case`, `anything-but` (values or a `prefix`), `numeric` comparisons and ranges,
`exists`, and `$or` between sub-patterns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_MISSING = object()
_COMPARATORS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_OPERATORS = frozenset(
    {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists"}
)


class FilterPatternError(ValueError):
    """A filter pattern uses something Lambda would refuse."""


def validate(pattern: Mapping[str, Any]) -> None:
    """Raise `FilterPatternError` for a pattern Lambda would refuse at deploy time."""
    for key, rule in pattern.items():
        if key == "$or":
            if not isinstance(rule, list) or len(rule) < 2:  # noqa: PLR2004 - Lambda's rule
                raise FilterPatternError("$or needs a list of at least two patterns")
            for branch in rule:
                validate(branch)
        elif isinstance(rule, Mapping):
            validate(rule)
        elif isinstance(rule, list) and rule:
            for leaf in rule:
                _validate_leaf(key, leaf)
        else:
            raise FilterPatternError(f"{key}: a pattern leaf must be a non-empty list of rules")


def _validate_leaf(key: str, leaf: Any) -> None:
    if not isinstance(leaf, Mapping):
        return  # a literal value
    if len(leaf) != 1 or next(iter(leaf)) not in _OPERATORS:
        raise FilterPatternError(f"{key}: unknown filter rule {leaf!r}")
    ((operator, operand),) = leaf.items()
    if operator == "numeric":
        _numeric_terms(operand)
    elif operator == "exists" and not isinstance(operand, bool):
        raise FilterPatternError(f"{key}: exists takes true or false")


def matches_any(patterns: Sequence[Mapping[str, Any]], record: Any) -> bool:
    """Whether `record` passes an event source with these filters (no filters pass everything)."""
    return not patterns or any(matches(pattern, record) for pattern in patterns)


def matches(pattern: Mapping[str, Any], record: Any) -> bool:
    """Whether `record` matches one filter pattern."""
    for key, rule in pattern.items():
        if key == "$or":
            if not any(matches(branch, record) for branch in rule):
                return False
            continue
        value = record.get(key, _MISSING) if isinstance(record, Mapping) else _MISSING
        if isinstance(rule, Mapping):
            # A path that is not there still matches `exists: false` below it.
            if not matches(rule, value if isinstance(value, Mapping) else {}):
                return False
        elif not _leaf_matches(rule, value):
            return False
    return True


def _leaf_matches(rules: Sequence[Any], value: Any) -> bool:
    # An array in the record matches when any of its elements does, as in EventBridge.
    values = value if isinstance(value, list) else [value]
    return any(_rule_matches(rule, candidate) for rule in rules for candidate in values)


def _rule_matches(rule: Any, value: Any) -> bool:  # noqa: PLR0911 - one branch per operator
    if not isinstance(rule, Mapping):
        return value is not _MISSING and _same(rule, value)
    ((operator, operand),) = rule.items()
    if operator == "exists":
        return (value is not _MISSING) is operand
    if value is _MISSING:
        return False
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(operand)
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(operand)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == str(operand).casefold()
    if operator == "anything-but":
        return not _anything_but_hits(operand, value)
    if operator == "numeric":
        return _numeric_matches(_numeric_terms(operand), value)
    return False


def _anything_but_hits(operand: Any, value: Any) -> bool:
    if isinstance(operand, Mapping):
        return _rule_matches(operand, value)
    excluded = operand if isinstance(operand, list) else [operand]
    return any(_same(item, value) for item in excluded)


def _same(rule: Any, value: Any) -> bool:
    if _is_number(rule) and _is_number(value):
        return float(rule) == float(value)
    return type(rule) is type(value) and bool(rule == value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_terms(operand: Any) -> list[tuple[str, float]]:
    if not isinstance(operand, list) or not operand or len(operand) % 2:
        raise FilterPatternError(f"numeric takes operator/value pairs, got {operand!r}")
    terms = []
    for operator, bound in zip(operand[::2], operand[1::2], strict=True):
        if operator not in _COMPARATORS or not _is_number(bound):
            raise FilterPatternError(f"numeric: bad comparison {operator!r} {bound!r}")
        terms.append((operator, float(bound)))
    return terms


def _numeric_matches(terms: list[tuple[str, float]], value: Any) -> bool:
    # Like Lambda, numbers in a DynamoDB image are strings ({"N": "5"}) and never match numeric.
    if not _is_number(value):
        return False
    return all(_COMPARATORS[operator](float(value), bound) for operator, bound in terms)
