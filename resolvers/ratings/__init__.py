"""Ratings: one 1-5 star rating per user per recipe, its summary, and the top-rated list."""
