"""The welcome message itself, as a MIME document with a text and an HTML part."""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


def welcome_message(sender: str, recipient: str, display_name: str) -> bytes:
    name = display_name.strip() or "there"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = "Welcome to Potluck"
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">") or None)
    message.set_content(
        f"Hi {name},\n\n"
        "Welcome to Potluck! Share a recipe, rate the ones you cook, and watch the comments\n"
        "come in live.\n\nHappy cooking,\nThe Potluck team\n"
    )
    message.add_alternative(
        f"<p>Hi {html.escape(name)},</p>"
        "<p>Welcome to Potluck! Share a recipe, rate the ones you cook, and watch the comments"
        " come in live.</p><p>Happy cooking,<br>The Potluck team</p>",
        subtype="html",
    )
    return message.as_bytes()
