"""graphql-java's output coercion for the built-in scalars and enums, which AppSync runs on results.

AppSync is built on graphql-java, whose coercion is more lenient than graphql-core's (a String
field accepts a number, an Int field accepts "42") and whose messages name Java types. The
exact graphql-java version AppSync runs is unknown, so these rules are UNCONFIRMED in detail.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from graphql import GraphQLEnumType, GraphQLError

if TYPE_CHECKING:
    from types import UnionType

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class OutputError(ValueError):
    """A value the scalar cannot serialize; the message is the reason after "Can't serialize"."""


_JAVA_TYPES: tuple[tuple[type | UnionType, str], ...] = (
    (bool, "Boolean"),  # before int: a Python bool is an int
    (float, "Double"),
    (str, "String"),
    (Mapping, "LinkedHashMap"),
    (list | tuple, "ArrayList"),
)


def java_type_name(value: Any) -> str:
    """The Java class a JSON value becomes in AppSync, as graphql-java names it in messages."""
    if isinstance(value, int) and not isinstance(value, bool):
        return "Integer" if INT_MIN <= value <= INT_MAX else "Long"
    return next(
        (name for kind, name in _JAVA_TYPES if isinstance(value, kind)), type(value).__name__
    )


def java_string(value: Any) -> str:
    """Java's `toString()` of a JSON value: how graphql-java prints values in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}={java_string(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(java_string(item) for item in value) + "]"
    return str(value)


def _java_double(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:  # noqa: PLR2004 - Double.toString's switch points
        text = repr(value)
        return text if ("." in text or "e" in text) else f"{text}.0"
    # Scientific form from the shortest repr digits, as Double.toString prints them.
    number = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, number.digits))
    exponent = len(digits) - 1 + int(number.exponent)
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


def _expected(type_name: str, value: Any) -> OutputError:
    return OutputError(f"Expected type '{type_name}' but was '{java_type_name(value)}'.")


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def serialize_int(value: Any) -> int:
    if type(value) is int and INT_MIN <= value <= INT_MAX:
        return value  # the common case, without the Decimal round trip (bool is not `int`)
    number = _as_decimal(value)
    if number is None or number != number.to_integral_value() or not INT_MIN <= number <= INT_MAX:
        raise _expected("Int", value)
    return int(number)


def serialize_float(value: Any) -> float:
    if type(value) is float and math.isfinite(value):
        return value  # what `float(Decimal(value))` gives back for any finite float
    number = _as_decimal(value)
    if number is None:
        raise _expected("Float", value)
    return float(number)


def serialize_string(value: Any) -> str:
    return value if isinstance(value, str) else java_string(value)


def serialize_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    if isinstance(value, int | float) and not math.isnan(value):
        return value != 0
    raise _expected("Boolean", value)


def serialize_id(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _expected("ID", value)


BUILTIN_SERIALIZERS: dict[str, Callable[[Any], Any]] = {
    "Int": serialize_int,
    "Float": serialize_float,
    "String": serialize_string,
    "Boolean": serialize_boolean,
    "ID": serialize_id,
}


def serialize_enum(enum_type: GraphQLEnumType, value: Any) -> Any:
    try:  # maps both SDL enum names and introspection's Python enums to their names
        return enum_type.coerce_output_value(value)
    except GraphQLError:
        pass
    raise OutputError(
        f"Invalid input for Enum '{enum_type.name}'. Unknown value '{java_string(value)}'"
    )
