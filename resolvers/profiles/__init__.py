"""Profiles: one per Cognito user, created on first use."""
