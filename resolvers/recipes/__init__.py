"""Recipes: create, read, list, update with optimistic locking, delete."""
