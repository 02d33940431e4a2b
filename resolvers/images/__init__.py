"""Photos and avatars: pre-signed uploads, image records and their public view."""
