"""Cognito post-confirmation trigger: creates the profile as soon as a user confirms sign-up."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3

from resolvers.identity import AuthMode, Caller
from resolvers.observability import logger
from resolvers.profiles.repository import DynamoProfileRepository
from resolvers.profiles.service import new_profile_for
from resolvers.settings import ProfileTriggerSettings
from resolvers.store.dynamo import CLIENT_CONFIG


@cache
def _profiles() -> DynamoProfileRepository:
    settings = ProfileTriggerSettings.from_env()
    return DynamoProfileRepository(
        boto3.Session().client("dynamodb", config=CLIENT_CONFIG), settings.profiles_table
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Create the profile; Cognito needs the event echoed back, and a failure blocks sign-up."""
    del context
    # Password resets also fire this trigger; only a new sign-up needs a profile.
    if event.get("triggerSource") != "PostConfirmation_ConfirmSignUp":
        return event
    attributes: dict[str, str] = event["request"]["userAttributes"]
    caller = Caller(
        mode=AuthMode.COGNITO,
        user_id=attributes["sub"],
        username=event.get("userName"),
        email=attributes.get("email"),
        display_name=attributes.get("name") or attributes.get("preferred_username"),
    )
    _profiles().create_if_missing(new_profile_for(caller))
    return event
