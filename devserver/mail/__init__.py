"""Local e-mail: an SES v2 endpoint that writes each sent message to an outbox as a .eml file."""

from devserver.mail.ses import LocalSes

__all__ = ["LocalSes"]
