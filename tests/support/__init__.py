"""Shared test helpers: the AppSync event factory and fakes."""
