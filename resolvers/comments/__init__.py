"""Comments: oldest-first threads under a recipe; authors edit, authors and moderators delete."""
