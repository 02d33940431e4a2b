"""Potluck's test suite."""
