"""Profile storage: the Protocol services use, and its DynamoDB implementation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from resolvers.observability import tracer
from resolvers.profiles.models import Profile
from resolvers.store.dynamo import batch_get, from_item, to_item, to_value

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_dynamodb import DynamoDBClient


class ProfileRepository(Protocol):
    def get(self, user_id: str) -> Profile | None: ...

    def get_many(self, user_ids: Sequence[str]) -> dict[str, Profile]: ...

    def create_if_missing(self, profile: Profile) -> None: ...

    def upsert(self, new: Profile, changes: dict[str, str | None]) -> Profile: ...


class DynamoProfileRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @tracer.capture_method
    def get(self, user_id: str) -> Profile | None:
        response = self._client.get_item(TableName=self._table, Key=to_item({"id": user_id}))
        item = response.get("Item")
        return _profile(from_item(item)) if item else None

    @tracer.capture_method
    def get_many(self, user_ids: Sequence[str]) -> dict[str, Profile]:
        if not user_ids:
            return {}
        items = batch_get(self._client, self._table, [{"id": user_id} for user_id in user_ids])
        return {item["id"]: _profile(item) for item in items}

    @tracer.capture_method
    def create_if_missing(self, profile: Profile) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(_attributes(profile)),
                ConditionExpression="attribute_not_exists(id)",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return  # someone (the trigger, or a parallel request) created it first: keep theirs

    @tracer.capture_method
    def upsert(self, new: Profile, changes: dict[str, str | None]) -> Profile:
        """Apply `changes`; fields not changed keep their stored value, or `new`'s if none."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        removes: list[str] = []
        for index, (attribute, default) in enumerate(_attributes(new).items()):
            name, value = f"#a{index}", f":v{index}"
            changed_key = _CHANGEABLE.get(attribute)
            if changed_key in changes:
                names[name] = attribute
                if changes[changed_key] is None:
                    removes.append(name)
                else:
                    sets.append(f"{name} = {value}")
                    values[value] = to_value(changes[changed_key])
            elif attribute == "updatedAt":
                names[name] = attribute
                sets.append(f"{name} = {value}")
                values[value] = to_value(default)
            elif attribute != "id" and default is not None:
                # First write of a profile: fill in what the token knew, never overwrite.
                names[name] = attribute
                sets.append(f"{name} = if_not_exists({name}, {value})")
                values[value] = to_value(default)
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        response = self._client.update_item(
            TableName=self._table,
            Key=to_item({"id": new.id}),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return _profile(from_item(response["Attributes"]))


_CHANGEABLE = {
    "displayName": "display_name",
    "bio": "bio",
    "avatarUrl": "avatar_url",
    "avatarKey": "avatar_key",
}


def _attributes(profile: Profile) -> dict[str, Any]:
    return {
        "id": profile.id,
        "displayName": profile.display_name,
        "bio": profile.bio,
        "avatarUrl": profile.avatar_url,
        "avatarKey": profile.avatar_key,
        "email": profile.email,
        "createdAt": profile.created_at,
        "updatedAt": profile.updated_at,
    }


def _profile(item: dict[str, Any]) -> Profile:
    return Profile(
        id=item["id"],
        display_name=item["displayName"],
        bio=item.get("bio"),
        avatar_url=item.get("avatarUrl"),
        avatar_key=item.get("avatarKey"),
        email=item.get("email"),
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
    )
