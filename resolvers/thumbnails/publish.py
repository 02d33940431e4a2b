"""Tell the API that an attached image finished, through an IAM-only mutation signed with SigV4.

AppSync publishes a mutation's result to the subscriptions that list it, pruned to the fields the
mutation selected, so the selections below carry what a recipe page or profile card shows.
"""

from __future__ import annotations

import json
import urllib.request
from typing import TYPE_CHECKING, Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from resolvers.observability import logger

if TYPE_CHECKING:
    from botocore.credentials import Credentials

IMAGE_FIELDS = "key status url thumbnailUrl width height"
PUBLISH_RECIPE = f"""
mutation PublishRecipePhoto($id: ID!) {{
  publishRecipePhoto(recipeId: $id) {{
    id authorId title description ingredients {{ name quantity unit }} steps tags servings
    prepMinutes cookMinutes createdAt updatedAt version photo {{ {IMAGE_FIELDS} }}
  }}
}}
"""
PUBLISH_PROFILE = f"""
mutation PublishProfileAvatar($id: ID!) {{
  publishProfileAvatar(profileId: $id) {{
    id displayName bio createdAt updatedAt avatar {{ {IMAGE_FIELDS} }}
  }}
}}
"""
# The mutations above, for the function's IAM grant (appsync:GraphQL on these fields only).
PUBLISH_MUTATIONS = ("publishRecipePhoto", "publishProfileAvatar")
TIMEOUT_SECONDS = 10


class Publisher:
    def __init__(self, url: str, credentials: Credentials, region: str) -> None:
        self._url = url
        self._credentials = credentials
        self._region = region

    def publish(self, target: str) -> bool:
        """Re-publish the recipe or profile `target` ("recipe#<id>"); False if the API refused.

        A failure is logged, not raised: the image is already READY (or FAILED) for everyone who
        loads it, and a retried event would find it settled and publish nothing anyway.
        """
        kind, _, target_id = target.partition("#")
        query = {"recipe": PUBLISH_RECIPE, "profile": PUBLISH_PROFILE}.get(kind)
        if query is None or not target_id:
            logger.warning("image attached to an unknown target", extra={"target": target})
            return False
        body = json.dumps({"query": query, "variables": {"id": target_id}}).encode()
        try:
            result = self._post(body)
        except OSError:
            logger.exception("publishing the processed image failed", extra={"target": target})
            return False
        if result.get("errors"):
            logger.warning(
                "the API refused to publish the image",
                extra={"target": target, "errors": result["errors"]},
            )
            return False
        return True

    def _post(self, body: bytes) -> dict[str, Any]:
        request = AWSRequest(
            method="POST", url=self._url, data=body, headers={"content-type": "application/json"}
        )
        SigV4Auth(self._credentials.get_frozen_credentials(), "appsync", self._region).add_auth(
            request
        )
        prepared = urllib.request.Request(  # noqa: S310 - the URL is the API's, from settings
            self._url, data=body, headers=dict(request.headers.items()), method="POST"
        )
        with urllib.request.urlopen(prepared, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            parsed: dict[str, Any] = json.loads(response.read())
        return parsed
