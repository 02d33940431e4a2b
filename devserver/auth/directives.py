"""Field-level authorization from the `@aws_*` schema directives, as AppSync applies them."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphql import (
    DirectiveNode,
    GraphQLObjectType,
    GraphQLSchema,
    value_from_ast_untyped,
)

from devserver.auth.context import API_KEY, AWS_IAM, AWS_LAMBDA, COGNITO, OIDC

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from devserver.auth.context import AuthContext

DIRECTIVE_MODES = {
    "aws_api_key": API_KEY,
    "aws_iam": AWS_IAM,
    "aws_cognito_user_pools": COGNITO,
    "aws_oidc": OIDC,
    "aws_lambda": AWS_LAMBDA,
}
_AWS_AUTH = "aws_auth"
_MAX_CALLER_KINDS = 256  # distinct (mode, groups, default action) answer sets kept per policy


@dataclass(frozen=True)
class FieldRule:
    """Who may resolve one field: the allowed modes, and for Cognito the allowed groups."""

    modes: frozenset[str]
    cognito_groups: frozenset[str] | None = None  # None: any user of the pool


class DirectivePolicy:
    """The rules of one schema under one API auth config, computed once per (type, field)."""

    def __init__(
        self, schema: GraphQLSchema, default_mode: str, additional_modes: Collection[str] = ()
    ) -> None:
        self._schema = schema
        self._default = FieldRule(frozenset({default_mode}))
        # `@aws_auth` only works on APIs whose sole mode is Cognito; elsewhere AppSync is
        # reported to ignore it silently, so here it is treated as absent.
        self._honour_aws_auth = default_mode == COGNITO and not set(additional_modes) - {COGNITO}
        self._rules: dict[tuple[str, str], FieldRule] = {}
        self._cleared: dict[tuple[object, ...], set[tuple[str, str]]] = {}

    def rule(self, parent_type: str, field: str) -> FieldRule:
        key = (parent_type, field)
        rule = self._rules.get(key)
        if rule is None:
            rule = self._rules[key] = self._compute(parent_type, field)
        return rule

    def error(self, parent_type: str, field: str, auth: AuthContext) -> str | None:
        """None when `auth` may resolve the field; else AppSync's `Unauthorized` message."""
        if field.startswith("__"):  # introspection and __typename are never guarded
            return None
        rule = self.rule(parent_type, field)
        if auth.mode in rule.modes and (auth.mode != COGNITO or _groups_allow(rule, auth)):
            return None
        return f"Not Authorized to access {field} on type {parent_type}"

    def cleared(self, auth: AuthContext) -> set[tuple[str, str]]:
        """A set for the (type, field) pairs `error` allowed for callers alike to `auth`.

        `error` reads only the mode, and for Cognito the groups and the pool's default
        action, so every caller with the same three gets the same answers: a request adds
        what it clears, and later requests skip those checks (a feed page repeats each
        field once per item). Denials are not kept: they raise, and are rare.
        """
        key: tuple[object, ...] = (auth.mode,)
        if auth.mode == COGNITO:
            key = (auth.mode, auth.groups, _default_allow(auth))
        cleared = self._cleared.get(key)
        if cleared is None:
            if len(self._cleared) >= _MAX_CALLER_KINDS:  # many group sets: start over
                self._cleared.clear()
            cleared = self._cleared[key] = set()
        return cleared

    def _compute(self, parent_type: str, field: str) -> FieldRule:
        graphql_type = self._schema.get_type(parent_type)
        if not isinstance(graphql_type, GraphQLObjectType):
            return self._default
        definition = graphql_type.fields.get(field)
        field_node = definition.ast_node if definition else None
        field_nodes = (field_node.directives or ()) if field_node else ()
        # A field's directives replace its type's, which replace the API default: never merged.
        field_rule = self._from_directives(field_nodes)
        if field_rule is not None:
            return field_rule
        type_nodes = [
            directive
            for node in (graphql_type.ast_node, *graphql_type.extension_ast_nodes)
            if node is not None
            for directive in node.directives or ()
        ]
        return self._from_directives(type_nodes) or self._default

    def _from_directives(self, directives: Iterable[DirectiveNode]) -> FieldRule | None:
        modes: set[str] = set()
        groups: set[str] = set()
        any_cognito_user = False
        for directive in directives:
            name = directive.name.value
            if name == _AWS_AUTH and not self._honour_aws_auth:
                continue
            mode = COGNITO if name == _AWS_AUTH else DIRECTIVE_MODES.get(name)
            if mode is None:
                continue
            modes.add(mode)
            if mode == COGNITO:
                listed = _cognito_groups(directive)
                if listed is None:
                    any_cognito_user = True
                else:
                    groups.update(listed)
        if not modes:
            return None
        restricted = COGNITO in modes and not any_cognito_user
        return FieldRule(frozenset(modes), frozenset(groups) if restricted else None)


def _cognito_groups(directive: DirectiveNode) -> list[str] | None:
    for argument in directive.arguments or ():
        if argument.name.value == "cognito_groups":
            value = value_from_ast_untyped(argument.value)
            return [str(group) for group in value] if isinstance(value, list) else None
    return None


def _groups_allow(rule: FieldRule, auth: AuthContext) -> bool:
    if rule.cognito_groups is not None:
        return any(group in rule.cognito_groups for group in auth.groups)
    # A pool whose defaultAction is DENY admits users only where a directive lists their group.
    return _default_allow(auth)


def _default_allow(auth: AuthContext) -> bool:
    identity = auth.identity or {}
    return bool(identity.get("defaultAuthStrategy", "ALLOW") != "DENY")


_POLICIES: weakref.WeakKeyDictionary[
    GraphQLSchema, dict[tuple[str, frozenset[str]], DirectivePolicy]
] = weakref.WeakKeyDictionary()


def policy_for(
    schema: GraphQLSchema, default_mode: str, additional_modes: Collection[str] = ()
) -> DirectivePolicy:
    """The cached policy; a reloaded schema is a new object and gets fresh rules."""
    per_schema = _POLICIES.setdefault(schema, {})
    key = (default_mode, frozenset(additional_modes))
    policy = per_schema.get(key)
    if policy is None:
        policy = per_schema[key] = DirectivePolicy(schema, default_mode, additional_modes)
    return policy


def field_auth_error(
    schema: GraphQLSchema,
    parent_type: str,
    field: str,
    auth: AuthContext,
    default_mode: str,
    *,
    additional_modes: Collection[str] = (),
) -> str | None:
    """None if `auth` may resolve `parent_type.field`; else "Not Authorized to access F on type T".

    Pass the API's `additional_modes` so `@aws_auth` is honoured only on Cognito-only APIs.
    """
    return policy_for(schema, default_mode, additional_modes).error(parent_type, field, auth)


def is_denied(auth: AuthContext, parent_type: str, field: str) -> bool:
    """True when the Lambda authorizer's `deniedFields` forces this field to null."""
    return bool(auth.denied_fields) and f"{parent_type}.{field}" in auth.denied_fields
