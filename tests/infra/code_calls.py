"""The AWS actions a Lambda handler needs, read from the code it runs (no AWS, no execution).

From the handler, follow every function the code can reach: names it calls or passes on (a
callback, a property, a lambda), resolved by name to the functions and methods of the modules it
imports, plus the routes it registers with a Powertools event handler. In the reached code, a
call `<receiver>.<operation>(...)` whose name is an operation of a service the module talks to
(a `mypy_boto3_<service>` stub import, or a `client("<service>")` literal) is an AWS call, mapped
to its IAM action by botocore's service model.

Resolution by name over-approximates: `repo.get(...)` reaches every method called `get`. Calls on
values annotated as builtin containers (`event.get(...)`) are not followed, which keeps small
handlers (a Cognito trigger) precise. What the analysis cannot see it cannot require: a client
method built from a string (`getattr(client, name)`) is invisible, so keep calls literal.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING

import botocore.session
from botocore import xform_name

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# Decorators that register a function with a Powertools event handler, which later calls it.
ENTRY_DECORATORS = frozenset({"resolver", "batch_resolver", "async_batch_resolver"})
# Receivers annotated with these are plain data: their `.get()` is never ours.
_BUILTIN_TYPES = frozenset(
    {"dict", "list", "set", "frozenset", "tuple", "str", "bytes", "Mapping", "Sequence"}
)
# Method names that builtin values have too (`response.get`, `moment.replace`): followed only
# when the receiver is declared with one of our types (`profiles: ProfileRepository`) or is self.
_BUILTIN_METHODS = frozenset(
    name
    for kind in (dict, list, str, bytes, set, datetime, date)
    for name in dir(kind)
    if not name.startswith("_")
)
# TransactWriteItems has no IAM action of its own: each item is authorized as its own action.
_TRANSACT_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
# Actions an operation needs besides its own.
IMPLIED_ACTIONS = {
    # The Data API reads the database secret with the caller's credentials.
    "rds-data": frozenset({"secretsmanager:GetSecretValue"}),
}
# Client methods that are not operations but sign requests for one.
_SIGNING_METHODS = {"generate_presigned_post": "s3:PutObject"}
# Operations whose IAM action has another name. S3 answers a missing key with 404 only to a
# caller that may list the bucket (403 otherwise), so reads of maybe-missing keys need that too.
_IAM_ACTIONS = {
    "s3:HeadObject": ("s3:GetObject", "s3:ListBucket"),
    "s3:GetObject": ("s3:GetObject", "s3:ListBucket"),
    "s3:DeleteObjects": ("s3:DeleteObject",),
}
# HTTP requests a module signs itself with botocore's SigV4Auth, by signing service name.
_SIGNED_REQUESTS = {"appsync": "appsync:GraphQL"}


@dataclass(frozen=True)
class AwsCall:
    service: str  # botocore's name: "dynamodb", "rds-data"
    operation: str  # the API's name: "TransactWriteItems"
    where: str  # module:line, for the failure message

    def actions(self, module_source: ast.Module) -> set[str]:
        if (self.service, self.operation) == ("dynamodb", "TransactWriteItems"):
            kinds = _dict_keys(module_source) & set(_TRANSACT_ITEM_ACTIONS)
            return {_TRANSACT_ITEM_ACTIONS[kind] for kind in kinds}
        if (self.service, self.operation) == ("dynamodb", "TransactGetItems"):
            return {"dynamodb:GetItem"}
        if self.service == "signing":
            return {self.operation}
        action = f"{_signing_name(self.service)}:{self.operation}"
        return {*_IAM_ACTIONS.get(action, (action,)), *IMPLIED_ACTIONS.get(self.service, ())}


@dataclass
class _Function:
    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    owner: str  # the class of a method, "" for a module-level function
    is_entry: bool


@dataclass
class CodeIndex:
    """Every module of a package under `root`, parsed once."""

    root: Path
    package: str
    modules: dict[str, ast.Module] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in sorted((self.root / self.package).rglob("*.py")):
            parts = path.relative_to(self.root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            self.modules[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))

    def required_actions(self, handler: str) -> dict[str, list[AwsCall]]:
        """IAM action -> the calls in the handler's reachable code that need it."""
        module_name, _, function_name = handler.rpartition(".")
        closure = self._imports_closure(module_name)
        functions = self._functions(closure)
        services = {name: _services(self.modules[name]) for name in closure}
        roots = [f for f in functions if f.is_entry]
        roots += [f for f in functions if f.module == module_name and f.node.name == function_name]
        by_name: dict[str, list[_Function]] = {}
        for function in functions:
            by_name.setdefault(function.node.name, []).append(function)
        classes = _class_inits(functions)

        required: dict[str, list[AwsCall]] = {}
        seen: set[int] = set()
        pending = list(roots)
        # A handler built by a call (`handler = stream_handler(_record_handler)`) runs what it
        # is built from: the names in that call are roots too.
        for name in _assigned_names(self.modules[module_name], function_name):
            pending += by_name.get(name, []) + classes.get(name, [])
        while pending:
            function = pending.pop()
            if id(function.node) in seen:
                continue
            seen.add(id(function.node))
            operations = _operations(services[function.module])
            for name, is_aws, line in _references(function.node, operations):
                if is_aws:
                    call = _aws_call(name, services[function.module], f"{function.module}:{line}")
                    for action in call.actions(self.modules[function.module]):
                        required.setdefault(action, []).append(call)
                    continue
                pending += by_name.get(name, []) + classes.get(name, [])
        for name in sorted(closure):
            for action, line in _signed_requests(self.modules[name]):
                required.setdefault(action, []).append(AwsCall("signing", action, f"{name}:{line}"))
        return required

    def _imports_closure(self, start: str) -> set[str]:
        closure: set[str] = set()
        pending = [start]
        while pending:
            name = pending.pop()
            if name in closure or name not in self.modules:
                continue
            closure.add(name)
            pending += list(_runtime_imports(self.modules[name], name))
        return closure

    def _functions(self, closure: set[str]) -> list[_Function]:
        found = []
        for module_name in sorted(closure):
            for node in self.modules[module_name].body:
                owner = node.name if isinstance(node, ast.ClassDef) else ""
                scopes = node.body if isinstance(node, ast.ClassDef) else [node]
                found.extend(
                    _Function(module_name, inner, owner, _is_entry(inner))
                    for inner in scopes
                    if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef)
                )
        return found


def _assigned_names(module: ast.Module, target: str) -> set[str]:
    """Names referenced where the module assigns `target` at its top level."""
    return {
        node.id
        for statement in module.body
        if isinstance(statement, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == target for t in statement.targets)
        for node in ast.walk(statement.value)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def _runtime_imports(module: ast.Module, module_name: str) -> Iterator[str]:
    """Modules imported when the code runs: TYPE_CHECKING blocks are left out."""
    for node in _walk_skipping_type_checking(module):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module_name.rsplit(".", node.level)[0]
                base = f"{package}.{base}" if base else package
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _walk_skipping_type_checking(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *ast.walk(child)])
            continue
        yield node
        yield from _walk_skipping_type_checking(node)


def _is_entry(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ENTRY_DECORATORS:
            return True
    return False


def _class_inits(functions: list[_Function]) -> dict[str, list[_Function]]:
    """Class name -> its __init__: naming a class (to build one) runs its constructor."""
    inits: dict[str, list[_Function]] = {}
    for function in functions:
        if function.node.name == "__init__":
            inits.setdefault(function.owner, []).append(function)
    return inits


def _signed_requests(module: ast.Module) -> Iterator[tuple[str, int]]:
    """`SigV4Auth(credentials, "<service>", region)` calls: requests the module signs itself."""
    for node in ast.walk(module):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "SigV4Auth"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in _SIGNED_REQUESTS
        ):
            yield _SIGNED_REQUESTS[node.args[1].value], node.lineno


def _services(module: ast.Module) -> set[str]:
    """The AWS services a module talks to: its boto3 stub imports and client() literals."""
    found = set()
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mypy_boto3_"):
            found.add(node.module.removeprefix("mypy_boto3_").split(".")[0].replace("_", "-"))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "client"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


@cache
def _service_operations(service: str) -> dict[str, str]:
    """python_name -> OperationName, from botocore's model of the service."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


@cache
def _signing_name(service: str) -> str:
    return str(botocore.session.get_session().get_service_model(service).signing_name)


def _operations(services: set[str]) -> set[str]:
    names = {name for service in services for name in _service_operations(service)}
    return names | (set(_SIGNING_METHODS) if "s3" in services else set())


def _aws_call(method: str, services: set[str], where: str) -> AwsCall:
    if method in _SIGNING_METHODS:
        return AwsCall("signing", _SIGNING_METHODS[method], where)
    # A name two services share (DynamoDB's and the Data API's ExecuteStatement) counts for both
    # only if the module talks to both; the first match is reported, the rest required too.
    matches = sorted(s for s in services if method in _service_operations(s))
    return AwsCall(matches[0], _service_operations(matches[0])[method], where)


def _references(
    function: ast.FunctionDef | ast.AsyncFunctionDef, operations: set[str]
) -> Iterator[tuple[str, bool, int]]:
    """(name, is an AWS call, line) for every name the function calls or passes on."""
    plain_data, ours = _annotated(function)
    called = {id(node.func) for node in ast.walk(function) if isinstance(node, ast.Call)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            yield node.id, False, node.lineno
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            receiver = node.value
            named = receiver.id if isinstance(receiver, ast.Name) else None
            if named in plain_data:
                continue
            if node.attr in _BUILTIN_METHODS and named not in ours and named != "self":
                continue
            is_aws = id(node) in called and node.attr in operations
            yield node.attr, is_aws, node.lineno


def _annotated(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
) -> tuple[set[str], set[str]]:
    """Names declared (parameters, annotated locals) as builtin containers, and as other types."""
    annotated: list[tuple[str, ast.expr | None]] = [
        (arg.arg, arg.annotation)
        for arg in [*function.args.args, *function.args.kwonlyargs, *function.args.posonlyargs]
    ]
    annotated += [
        (node.target.id, node.annotation)
        for node in ast.walk(function)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    ]
    builtin, ours = set(), set()
    for name, annotation in annotated:
        if annotation is None:
            continue
        head = ast.unparse(annotation).split("[")[0].split(".")[-1]
        (builtin if head in _BUILTIN_TYPES else ours).add(name)
    return builtin, ours


def _dict_keys(module: ast.Module) -> set[str]:
    return {
        key.value
        for node in ast.walk(module)
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }
