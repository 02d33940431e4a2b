"""info.selectionSetList / selectionSetGraphQL, checked against AppSync's documented example."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    get_variable_values,
    parse,
)

from devserver.appsync.selection import selection_set_graphql, selection_set_list

SCHEMA = """
interface Node { id: ID! }
type Author implements Node { id: ID! authorId: ID! name: String }
type Comment implements Node { id: ID! text: String }
type Post implements Node {
  id: ID!
  postId: ID!
  title: String
  secondTitle: String
  content: String
  author(authorId: ID): Author
  comments: [Comment]
}
union Entry = Post | Comment
type Query {
  getPost(id: ID!): Post
  node(id: ID!): Node
  entry(id: ID!): Entry
}
"""


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(SCHEMA)


def _root_field(query: str) -> tuple[list[FieldNode], dict[str, FragmentDefinitionNode], Any]:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    field = operation.selection_set.selections[0]
    assert isinstance(field, FieldNode)
    return [field], fragments, operation


def test_appsync_doc_example_list_and_text(schema: GraphQLSchema) -> None:
    # GIVEN the query from AppSync's resolver context reference (aliases, inline and named fragments)
    query = """
    query getPost($postId: ID!, $authorId: ID) {
      getPost(id: $postId) {
        postId
        title
        secondTitle: title
        content
        author(authorId: $authorId) {
          authorId
          name
        }
        secondAuthor: author(authorId: "2") {
          authorId
        }
        ... on Post {
          inlineFragComments: comments {
            id
          }
        }
        ... postFrag
      }
    }
    fragment postFrag on Post {
      postFragComments: comments {
        id
      }
    }
    """
    nodes, fragments, _ = _root_field(query)
    post = schema.get_type("Post")
    # WHEN the event's selection fields are built
    listed = selection_set_list(schema, post, nodes, fragments)  # type: ignore[arg-type]
    text = selection_set_graphql(nodes)
    # THEN the list matches AppSync's documented answer
    assert listed == [
        "postId",
        "title",
        "secondTitle",
        "content",
        "author",
        "author/authorId",
        "author/name",
        "secondAuthor",
        "secondAuthor/authorId",
        "inlineFragComments",
        "inlineFragComments/id",
        "postFragComments",
        "postFragComments/id",
    ]
    # AND the text is the sub-selection as written, with variables and the named spread kept
    assert text == (
        "{\n  postId\n  title\n  secondTitle: title\n  content\n"
        "  author(authorId: $authorId) {\n    authorId\n    name\n  }\n"
        '  secondAuthor: author(authorId: "2") {\n    authorId\n  }\n'
        "  ... on Post {\n    inlineFragComments: comments {\n      id\n    }\n  }\n"
        "  ...postFrag\n}"
    )


def test_interface_return_type_lists_only_interface_selections(schema: GraphQLSchema) -> None:
    # GIVEN a field returning an interface, with fragments on the interface and on a concrete type
    query = """
    { node(id: "1") { id ... on Node { __typename } ... on Post { title } ...C } }
    fragment C on Comment { text }
    """
    nodes, fragments, _ = _root_field(query)
    # WHEN the list is built
    listed = selection_set_list(schema, schema.get_type("Node"), nodes, fragments)  # type: ignore[arg-type]
    # THEN fragment-only fields of concrete types are left out
    assert listed == ["id", "__typename"]


def test_union_return_type_lists_nothing_from_member_fragments(schema: GraphQLSchema) -> None:
    # GIVEN a union field selected only through member fragments
    nodes, fragments, _ = _root_field('{ entry(id: "1") { ... on Post { title } } }')
    # WHEN the list is built
    listed = selection_set_list(schema, schema.get_type("Entry"), nodes, fragments)  # type: ignore[arg-type]
    # THEN it is empty, while the text keeps the fragment
    assert listed == []
    assert selection_set_graphql(nodes) == "{\n  ... on Post {\n    title\n  }\n}"


def test_interface_fragments_apply_to_an_object_return_type(schema: GraphQLSchema) -> None:
    # GIVEN an object-typed field selected partly through a fragment on an interface it implements
    nodes, fragments, _ = _root_field('{ getPost(id: "1") { ... on Node { id } title } }')
    # WHEN the list is built
    listed = selection_set_list(schema, schema.get_type("Post"), nodes, fragments)  # type: ignore[arg-type]
    # THEN the interface fragment's fields are merged in
    assert listed == ["id", "title"]


def test_skip_and_include_follow_the_variables(schema: GraphQLSchema) -> None:
    # GIVEN conditional selections
    query = """
    query($withTitle: Boolean!, $skipContent: Boolean!) {
      getPost(id: "1") { id title @include(if: $withTitle) content @skip(if: $skipContent) }
    }
    """
    nodes, fragments, operation = _root_field(query)
    variables = get_variable_values(
        schema, operation.variable_definitions, {"withTitle": False, "skipContent": False}
    )
    # WHEN the list is built for those variables
    listed = selection_set_list(schema, schema.get_type("Post"), nodes, fragments, variables)  # type: ignore[arg-type]
    # THEN excluded fields are left out
    assert listed == ["id", "content"]


def test_merged_field_nodes_and_leaf_fields(schema: GraphQLSchema) -> None:
    # GIVEN the same field selected twice with different sub-selections
    document = parse('{ getPost(id: "1") { postId } getPost(id: "1") { title } }')
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    nodes = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    # WHEN both nodes are described together
    listed = selection_set_list(schema, schema.get_type("Post"), nodes, {})  # type: ignore[arg-type]
    # THEN their selections are merged; a leaf field has neither list nor text
    assert listed == ["postId", "title"]
    assert selection_set_graphql(nodes) == "{\n  postId\n  title\n}"
    leaf = parse("{ a }").definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
    assert selection_set_graphql([leaf]) == ""
