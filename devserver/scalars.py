"""AppSync's AWS scalars (semantics §7): what each accepts, and AppSync-shaped rejection texts.

Each scalar is one `AwsScalar` with three entry points, which `install_aws_scalars` plugs into
the graphql-core scalar types built from the prelude:
- `parse_value` for variables (the Lambda receives its result, e.g. AWSJSON already parsed);
- `parse_literal` for literals written in the query (validation fails on a bad one);
- `serialize` for resolver results (the field turns null with "Can't serialize value …").
The nouns in the messages are observed for AWSDateTime and AWSTimestamp only; the rest follow
the same pattern and are UNCONFIRMED, as are the exact edges of the email, URL and phone rules.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from graphql import GraphQLScalarType, GraphQLSchema, IntValueNode, StringValueNode, ValueNode

from devserver.coercion import java_string
from devserver.http import json_input

if TYPE_CHECKING:
    from collections.abc import Callable

TIMESTAMP_MIN, TIMESTAMP_MAX = -31557014167219200, 31556889864403199
_MAX_OFFSET_SECONDS = 18 * 3600  # java.time.ZoneOffset's range

_ZONE = r"(?P<zone>[zZ]|[+-]\d{2}:\d{2}(?::\d{2})?)"
_DATE = r"(?P<year>-?\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
_TIME = r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,9})?)?"
_DATE_RE = re.compile(rf"{_DATE}{_ZONE}?")
_TIME_RE = re.compile(rf"{_TIME}{_ZONE}?")
_DATETIME_RE = re.compile(rf"{_DATE}[tT]{_TIME}{_ZONE}")
_EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_SPACE_RE = re.compile(r"\s")  # the same characters as `str.isspace`, found in C
_PHONE_RE = re.compile(r"(?P<plus>\+)?\d+(?:[ -]\d+)*")
_NANP_DIGITS = 10
_E164_MAX_DIGITS = 15
_MIN_INTERNATIONAL_DIGITS = 7


class ScalarError(ValueError):
    """A value an AWS scalar rejects; the message is the reason AppSync reports."""


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _valid_date(match: re.Match[str]) -> bool:
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    days = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= month <= 12 and 1 <= day <= days[month - 1]  # noqa: PLR2004


def _valid_time(match: re.Match[str]) -> bool:
    second = match["second"]
    return (
        int(match["hour"]) <= 23  # noqa: PLR2004
        and int(match["minute"]) <= 59  # noqa: PLR2004
        and (second is None or int(second) <= 59)  # noqa: PLR2004
    )


def _valid_zone(zone: str | None) -> bool:
    if zone is None or zone in {"z", "Z"}:
        return True
    hours, minutes, *seconds = (int(part) for part in zone[1:].split(":"))
    total = hours * 3600 + minutes * 60 + sum(seconds)
    return minutes <= 59 and all(s <= 59 for s in seconds) and total <= _MAX_OFFSET_SECONDS  # noqa: PLR2004


def is_aws_date(value: str) -> bool:
    match = _DATE_RE.fullmatch(value)
    return match is not None and _valid_date(match) and _valid_zone(match["zone"])


def is_aws_time(value: str) -> bool:
    match = _TIME_RE.fullmatch(value)
    return match is not None and _valid_time(match) and _valid_zone(match["zone"])


def is_aws_datetime(value: str) -> bool:
    match = _DATETIME_RE.fullmatch(value)
    return (
        match is not None
        and _valid_date(match)
        and _valid_time(match)
        and _valid_zone(match["zone"])
    )


def is_aws_email(value: str) -> bool:
    return _EMAIL_RE.fullmatch(value) is not None


def is_aws_url(value: str) -> bool:
    """Any scheme (`http://localhost/` too); no scheme-less text, blanks, or `//` in the path."""
    if _SPACE_RE.search(value):
        return False
    scheme, _, rest = value.partition(":")
    if not rest or not _SCHEME_RE.fullmatch(scheme):
        return False
    parts = urlsplit(value)
    if rest.startswith("//") and not parts.netloc:
        return False
    return "//" not in parts.path and bool(parts.netloc or parts.path)


def is_aws_phone(value: str) -> bool:
    """International (`+` country code) or a 10-digit North American number (NANP)."""
    match = _PHONE_RE.fullmatch(value)
    if match is None:
        return False
    digits = re.sub(r"\D", "", value)
    if match["plus"]:
        return _MIN_INTERNATIONAL_DIGITS <= len(digits) <= _E164_MAX_DIGITS
    if len(digits) == _NANP_DIGITS + 1 and digits[0] == "1":
        digits = digits[1:]
    return len(digits) == _NANP_DIGITS and digits[0] not in "01" and digits[3] not in "01"


def is_aws_ip_address(value: str) -> bool:
    """IPv4 or IPv6, with an optional CIDR suffix (AppSync's scalar description allows one)."""
    try:
        ipaddress.ip_interface(value)
    except ValueError:
        return False
    return value.strip() == value


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not RFC 8259 JSON


def parse_json_text(text: str) -> Any:
    return json_input.loads(text, parse_constant=_reject_constant)


@dataclass(frozen=True)
class AwsScalar:
    """One AWS scalar: how it parses variables and literals and serializes results."""

    name: str
    noun: str  # the end of "… as a valid <noun>."
    check: Callable[[Any], Any]  # returns the internal value or raises ValueError/TypeError
    literal_node: type[ValueNode]  # the only literal kind accepted in a query
    output: Callable[[Any], Any] | None = None  # None: the checked value is the output

    def parse_value(self, value: Any) -> Any:
        try:
            return self.check(value)
        except (TypeError, ValueError) as error:
            raise ScalarError(
                f"Unable to parse `{java_string(value)}` as a valid {self.noun}."
            ) from error

    def parse_literal(self, node: ValueNode, variables: Any = None) -> Any:  # noqa: ARG002
        if not isinstance(node, self.literal_node):
            raise ScalarError(f"Expected a {self.literal_node.__name__} for {self.name}.")
        raw = int(node.value) if isinstance(node, IntValueNode) else node.value  # type: ignore[attr-defined]
        return self.parse_value(raw)

    def serialize(self, value: Any) -> Any:
        try:
            return (self.output or self.check)(value)
        except (TypeError, ValueError) as error:
            raise ScalarError(
                f"Unable to serialize `{java_string(value)}` as a valid {self.noun}."
            ) from error


_CHECKED_STRINGS = 2048  # per scalar: result values repeat (the same URLs, dates) across a page


def _string_check(predicate: Callable[[str], bool]) -> Callable[[Any], str]:
    # The predicates are pure functions of the text, so each distinct value is checked once.
    cached = lru_cache(maxsize=_CHECKED_STRINGS)(predicate)

    def check(value: Any) -> str:
        if not isinstance(value, str) or not cached(value):
            raise ValueError(value)
        return value

    return check


def _timestamp(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise ValueError(value)
    if not TIMESTAMP_MIN <= value <= TIMESTAMP_MAX:
        raise ValueError(value)
    return int(value)


def _json_input(value: Any) -> Any:
    if not isinstance(value, str):
        raise TypeError(value)
    return parse_json_text(value)


def _json_output(value: Any) -> str:
    """A JSON string passes through if it is valid JSON; anything else is encoded compactly."""
    if isinstance(value, str):
        parse_json_text(value)
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


AWS_SCALARS: dict[str, AwsScalar] = {
    scalar.name: scalar
    for scalar in (
        AwsScalar("AWSDate", "Date Object", _string_check(is_aws_date), StringValueNode),
        AwsScalar("AWSTime", "Time Object", _string_check(is_aws_time), StringValueNode),
        AwsScalar(
            "AWSDateTime", "DateTime Object", _string_check(is_aws_datetime), StringValueNode
        ),
        AwsScalar("AWSTimestamp", "timestamp", _timestamp, IntValueNode),
        AwsScalar("AWSEmail", "email address", _string_check(is_aws_email), StringValueNode),
        AwsScalar("AWSJSON", "JSON", _json_input, StringValueNode, output=_json_output),
        AwsScalar("AWSURL", "URL", _string_check(is_aws_url), StringValueNode),
        AwsScalar("AWSPhone", "phone number", _string_check(is_aws_phone), StringValueNode),
        AwsScalar("AWSIPAddress", "IP address", _string_check(is_aws_ip_address), StringValueNode),
    )
}


def install_aws_scalars(schema: GraphQLSchema) -> None:
    """Give the prelude's bare scalar types (built per schema, never shared) AppSync's rules."""
    for name, scalar in AWS_SCALARS.items():
        graphql_type = schema.get_type(name)
        if not isinstance(graphql_type, GraphQLScalarType):
            continue
        graphql_type.serialize = scalar.serialize  # type: ignore[method-assign]
        graphql_type.parse_value = scalar.parse_value  # type: ignore[method-assign]
        graphql_type.parse_literal = scalar.parse_literal  # type: ignore[method-assign]
        graphql_type.coerce_output_value = scalar.serialize
        graphql_type.coerce_input_value = scalar.parse_value
        graphql_type.coerce_input_literal = scalar.parse_literal
