"""A Lambda handler that answers the benchmark's fields with canned data and does nothing else.

Served by the devserver through the real schema and wiring, it leaves only the devserver's own
work to measure: parsing, validation, invoking, JSON round trips, batching, value completion.
"""

from __future__ import annotations

from typing import Any

from benchmarks.sample_data import COMMENT_COUNTS, PROFILES, RATINGS, RECIPES, feed


def _field(event: dict[str, Any]) -> Any:
    info, args = event["info"], event["arguments"]
    source = event.get("source") or {}
    match info["parentTypeName"], info["fieldName"]:
        case "Query", "recipe":
            return RECIPES.get(args["id"])
        case "Query", "recipes":
            return {"items": feed(args.get("limit")), "nextToken": None}
        case "Recipe", "author":
            return PROFILES.get(source["authorId"])
        case "Recipe", "rating":
            return RATINGS.get(source["id"])
        case "Recipe", "commentCount":
            return COMMENT_COUNTS.get(source["id"], 0)
    raise ValueError(f"no canned answer for {info['parentTypeName']}.{info['fieldName']}")


def handler(event: dict[str, Any] | list[dict[str, Any]], context: Any) -> Any:  # noqa: ARG001
    if isinstance(event, list):  # a batch: one envelope per item, as the real resolvers answer
        return [{"data": _field(item)} for item in event]
    return _field(event)
