"""Query validation with AppSync's messages: `Validation error of type <Kind>: … @ 'path'`.

AppSync runs graphql-java's validator. graphql-core checks the same rules, so each rule here is
graphql-core's, wrapped to report graphql-java's error kind and wording (read from the rule's
context at the moment it reports, never parsed from graphql-core's text where avoidable). Two
rules are rewritten because graphql-java words their errors around the literal's AST
(`argument 'x' with value 'StringValue{value='…'}' is not a valid 'AWSDate'`). The wording
follows graphql-java 1x releases and AppSync samples; every kind but FieldUndefined and
WrongType is UNCONFIRMED against AppSync itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    Node,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    get_named_type,
    is_required_argument,
    specified_rules,
    type_from_ast,
    validate,
    visit,
)
from graphql import (
    DocumentNode as _DocumentNode,
)
from graphql.validation import (
    ASTValidationRule,
    FieldsOnCorrectTypeRule,
    FragmentsOnCompositeTypesRule,
    KnownArgumentNamesRule,
    KnownDirectivesRule,
    KnownFragmentNamesRule,
    KnownTypeNamesRule,
    LoneAnonymousOperationRule,
    NoFragmentCyclesRule,
    NoUndefinedVariablesRule,
    NoUnusedFragmentsRule,
    NoUnusedVariablesRule,
    OverlappingFieldsCanBeMergedRule,
    PossibleFragmentSpreadsRule,
    ProvidedRequiredArgumentsRule,
    ScalarLeafsRule,
    SingleFieldSubscriptionsRule,
    UniqueArgumentNamesRule,
    UniqueFragmentNamesRule,
    UniqueOperationNamesRule,
    UniqueVariableNamesRule,
    ValuesOfCorrectTypeRule,
    VariablesAreInputTypesRule,
    VariablesInAllowedPositionRule,
)

from devserver.appsync.errors import AppSyncError, request_error
from devserver.appsync.literals import LiteralProblem, argument_message, check_literal, java_ast

Description = tuple[str, str]  # (graphql-java kind, description)
Describe = Callable[[ValidationContext, GraphQLError], Description]


class _TaggedError(GraphQLError):
    """A graphql-core validation error that also carries graphql-java's kind and wording."""

    def __init__(self, error: GraphQLError, kind: str, description: str) -> None:
        super().__init__(error.message, error.nodes)
        self.kind = kind
        self.description = description


class ArgumentsOfCorrectTypeRule(ValidationRule):
    """graphql-java's ArgumentsOfCorrectType (and default values of variables)."""

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        definition = self.context.get_argument()
        if definition is None:
            return
        try:
            check_literal(node.value, definition.type)
        except LiteralProblem as problem:
            message = argument_message(node.name.value, problem)
            self.report_error(_TaggedError(GraphQLError(message, node), "WrongType", message))

    def enter_variable_definition(self, node: VariableDefinitionNode, *_args: Any) -> None:
        var_type = type_from_ast(self.context.schema, node.type)
        if node.default_value is None or var_type is None:
            return
        try:
            check_literal(node.default_value, var_type)  # type: ignore[arg-type]
        except LiteralProblem:
            message = f"Bad default value {java_ast(node.default_value)} for type {var_type}"
            self.report_error(
                _TaggedError(GraphQLError(message, node), "BadValueForDefaultArg", message)
            )


class RequiredArgumentsRule(ValidationRule):
    """graphql-java's ProvidedNonNullArguments: one error per missing argument."""

    def leave_field(self, node: FieldNode, *_args: Any) -> None:
        definition = self.context.get_field_def()
        if definition is not None:
            self._check(node, definition.args, "MissingFieldArgument", "Missing field argument")

    def leave_directive(self, node: DirectiveNode, *_args: Any) -> None:
        directive = self.context.schema.get_directive(node.name.value)
        if directive is not None:
            self._check(
                node, directive.args, "MissingDirectiveArgument", "Missing directive argument"
            )

    def _check(
        self, node: FieldNode | DirectiveNode, args: dict[str, Any], kind: str, text: str
    ) -> None:
        given = {argument.name.value for argument in node.arguments or ()}
        for name, argument in args.items():
            if is_required_argument(argument) and name not in given:
                message = f"{text} {name}"
                self.report_error(_TaggedError(GraphQLError(message, node), kind, message))


def _first(error: GraphQLError) -> Node | None:
    return error.nodes[0] if error.nodes else None


def _name_of(node: Node | None) -> str:
    if isinstance(node, NameNode):  # some rules report the name node itself
        return node.value
    if isinstance(node, VariableDefinitionNode):
        node = node.variable
    name = getattr(node, "name", None)
    return str(getattr(name, "value", "")) if name is not None else ""


def _fields_on_correct_type(context: ValidationContext, error: GraphQLError) -> Description:
    parent = context.get_parent_type()
    return "FieldUndefined", f"Field '{_name_of(_first(error))}' in type '{parent}' is undefined"


def _scalar_leafs(context: ValidationContext, error: GraphQLError) -> Description:
    # Reported while entering the field, so the context's current field is the culprit (the
    # error's node is the selection set when a leaf has one).
    field_type = get_named_type(context.get_type())
    definition = context.get_field_def()
    name = definition.ast_node.name.value if definition and definition.ast_node else ""
    if not isinstance(_first(error), FieldNode):
        return (
            "SubSelectionNotAllowed",
            f"Sub selection not allowed on leaf type {field_type} of field {name}",
        )
    return "SubSelectionRequired", f"Sub selection required for type {field_type} of field {name}"


def _known_argument_names(context: ValidationContext, error: GraphQLError) -> Description:
    if context.get_directive() is not None:
        return "UnknownDirective", f"Unknown directive argument {_name_of(_first(error))}"
    return "UnknownArgument", f"Unknown field argument {_name_of(_first(error))}"


def _known_directives(context: ValidationContext, error: GraphQLError) -> Description:
    name = _name_of(_first(error))
    if context.schema.get_directive(name) is None:
        return "UnknownDirective", f"Unknown directive {name}"
    return "MisplacedDirective", f"Directive {name} not allowed here"


def _fragments_on_composite_types(_context: ValidationContext, error: GraphQLError) -> Description:
    if isinstance(_first(error), InlineFragmentNode):
        return (
            "InlineFragmentTypeConditionInvalid",
            "Inline fragment type condition is invalid, must be on Object/Interface/Union",
        )
    return (
        "FragmentTypeConditionInvalid",
        "Fragment type condition is invalid, must be on Object/Interface/Union",
    )


_TYPES_IN_POSITION = re.compile(r"of type '(.+)' used in position expecting type '(.+)'")


def _variables_in_allowed_position(_context: ValidationContext, error: GraphQLError) -> Description:
    # graphql-core's rule decides nullability with defaults in mind; reusing its verdict beats
    # re-implementing it, and the two type names are the only part taken from its text.
    match = _TYPES_IN_POSITION.search(error.message)
    if match is None:
        return "VariableTypeMismatch", error.message.rstrip(".")
    return (
        "VariableTypeMismatch",
        f"Variable type '{match[1]}' doesn't match expected type '{match[2]}'",
    )


def _named(kind: str, text: str, node_type: type[Node] | None = None) -> Describe:
    def describe(_context: ValidationContext, error: GraphQLError) -> Description:
        nodes = error.nodes or []
        node = next((n for n in nodes if node_type is None or isinstance(n, node_type)), None)
        return kind, text.format(name=_name_of(node))

    return describe


def _as_is(kind: str) -> Describe:
    def describe(_context: ValidationContext, error: GraphQLError) -> Description:
        return kind, error.message.rstrip(".")

    return describe


_DESCRIBE: dict[type[ASTValidationRule], Describe] = {
    FieldsOnCorrectTypeRule: _fields_on_correct_type,
    ScalarLeafsRule: _scalar_leafs,
    KnownArgumentNamesRule: _known_argument_names,
    KnownDirectivesRule: _known_directives,
    FragmentsOnCompositeTypesRule: _fragments_on_composite_types,
    VariablesInAllowedPositionRule: _variables_in_allowed_position,
    KnownTypeNamesRule: _named("UnknownType", "Unknown type {name}"),
    KnownFragmentNamesRule: _named("UndefinedFragment", "Undefined fragment {name}"),
    NoUnusedFragmentsRule: _named("UnusedFragment", "Unused fragment {name}"),
    NoUndefinedVariablesRule: _named(
        "UndefinedVariable", "Undefined variable {name}", VariableNode
    ),
    NoUnusedVariablesRule: _named(
        "UnusedVariable", "Unused variable {name}", VariableDefinitionNode
    ),
    UniqueOperationNamesRule: _named(
        "DuplicateOperationName", "There can be only one operation named {name}"
    ),
    UniqueFragmentNamesRule: _named(
        "DuplicateFragmentName", "There can be only one fragment named {name}"
    ),
    UniqueArgumentNamesRule: _named(
        "DuplicateArgumentNames", "There can be only one argument named {name}"
    ),
    UniqueVariableNamesRule: _named(
        "DuplicateVariableName",
        "There can be only one variable named {name}",
        VariableDefinitionNode,
    ),
    LoneAnonymousOperationRule: _named(
        "LoneAnonymousOperationViolation", "Anonymous operation with other operations."
    ),
    VariablesAreInputTypesRule: _named("NonInputTypeOnVariable", "Wrong type for a variable"),
    NoFragmentCyclesRule: _named("FragmentCycle", "Fragment cycles not allowed"),
    PossibleFragmentSpreadsRule: _as_is("InvalidFragmentType"),
    OverlappingFieldsCanBeMergedRule: _as_is("FieldsConflict"),
    SingleFieldSubscriptionsRule: _as_is("SubscriptionMultipleRootFields"),
}
# graphql-java has no @defer/@stream, and AppSync's schema declares neither.
_SKIPPED = {rule for rule in specified_rules if "Stream" in rule.__name__}
_REPLACED: dict[type[ASTValidationRule], type[ASTValidationRule]] = {
    ValuesOfCorrectTypeRule: ArgumentsOfCorrectTypeRule,
    ProvidedRequiredArgumentsRule: RequiredArgumentsRule,
}


class _TaggingContext:
    """Stands in for the rule's context, tagging each error it reports with graphql-java's words.

    Some graphql-core rules report through `self.context.report_error` rather than their own
    `report_error`, so the tag is applied here, where every report passes.
    """

    def __init__(self, context: ValidationContext, describe: Describe) -> None:
        self._context = context
        self._describe = describe

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        if not isinstance(error, _TaggedError):
            error = _TaggedError(error, *self._describe(self._context, error))
        self._context.report_error(error)


def _tagged(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    describe = _DESCRIBE.get(rule) or _as_is(rule.__name__.removesuffix("Rule"))

    class Tagged(rule):  # type: ignore[valid-type,misc]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_TaggingContext(context, describe))

    Tagged.__name__ = f"AppSync{rule.__name__}"
    return Tagged


RULES: tuple[type[ASTValidationRule], ...] = tuple(
    _REPLACED.get(rule) or _tagged(rule) for rule in specified_rules if rule not in _SKIPPED
)


class _QueryPaths(Visitor):
    """Index every node by graphql-java's query path: the field names from its definition down."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.paths: dict[int, tuple[str, ...]] = {}

    def enter(self, node: Node, *_args: Any) -> None:
        if isinstance(node, OperationDefinitionNode | FragmentDefinitionNode):
            self.stack = []
        if isinstance(node, FieldNode):
            self.stack.append(node.name.value)
        self.paths[id(node)] = tuple(self.stack)

    def leave(self, node: Node, *_args: Any) -> None:
        if isinstance(node, FieldNode):
            self.stack.pop()


def validate_document(schema: GraphQLSchema, document: _DocumentNode) -> list[AppSyncError]:
    """AppSync's validation errors for a parsed query (empty when it is valid)."""
    errors = validate(schema, document, RULES)
    if not errors:
        return []
    indexer = _QueryPaths()
    visit(document, indexer)
    converted = []
    for error in errors:
        kind = getattr(error, "kind", "InvalidSyntax")
        description = getattr(error, "description", error.message.rstrip("."))
        node = _path_node(error)
        path = indexer.paths.get(id(node), ()) if node is not None else ()
        suffix = f" @ '{'/'.join(path)}'" if path else ""
        converted.append(
            request_error(f"Validation error of type {kind}: {description}{suffix}", error.nodes)
        )
    return converted


def _path_node(error: GraphQLError) -> Node | None:
    """The node whose enclosing field names the error's query path (a variable's use site)."""
    nodes = error.nodes or []
    for node in nodes:
        if isinstance(node, VariableNode | FieldNode | ArgumentNode | DirectiveNode):
            return node
    return next(
        (n for n in nodes if not isinstance(n, NamedTypeNode | FragmentSpreadNode)),
        nodes[0] if nodes else None,
    )
