"""Operational functions that keep a deployment healthy; no GraphQL field resolves here."""
