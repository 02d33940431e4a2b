"""AppSync-shaped errors locate their field exactly as graphql-core would."""

from __future__ import annotations

from graphql import FieldNode, GraphQLError, parse, visit
from graphql.language import Visitor

from devserver.errors import AppSyncError, Shape


def _fields(query: str) -> list[FieldNode]:
    found: list[FieldNode] = []

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_args: object) -> None:
            found.append(node)

    visit(parse(query), Collect())
    return found


def test_locations_match_graphql_core_across_line_endings() -> None:
    # GIVEN a query whose fields sit after \n, \r\n and \r line breaks
    query = "{\n  a {\r\n    b\r    c }\n}\n"
    for node in _fields(query):
        # WHEN an AppSync error and graphql-core's own error blame the same field
        ours = AppSyncError("x", Shape.FIELD, nodes=node, path=["a"])
        theirs = GraphQLError("x", nodes=node)
        # THEN they report the same line and column
        assert ours.locations == theirs.locations
        assert ours.formatted["locations"] == [
            {
                "line": theirs.locations[0].line,
                "column": theirs.locations[0].column,
                "sourceName": None,
            }
        ]
