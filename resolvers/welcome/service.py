"""Welcome a new user once: claim, send through SES, confirm."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from resolvers.welcome.message import welcome_message

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

    from resolvers.profiles.welcome_ledger import WelcomeLedger


def send_welcome(
    ledger: WelcomeLedger,
    ses: SESV2Client,
    sender: str,
    profile: dict[str, Any],
) -> str:
    """What happened for this new profile: "sent", "already sent" or "no address"."""
    user_id, email = str(profile["id"]), profile.get("email")
    if not email:
        return "no address"
    token = uuid.uuid4().hex
    if not ledger.claim(user_id, token):
        return "already sent"
    raw = welcome_message(sender, str(email), str(profile.get("displayName") or ""))
    try:
        response = ses.send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": [str(email)]},
            Content={"Raw": {"Data": raw}},
        )
    except Exception:
        ledger.release(user_id, token)  # nothing went out: the retry may send
        raise
    ledger.confirm(user_id, token, str(response["MessageId"]))
    return "sent"
