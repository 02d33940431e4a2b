-- Full-text recipe search, kept up to date from the recipes table's DynamoDB stream
-- (resolvers/search). One row per recipe ever indexed, keyed by the recipe id. `version` is the
-- recipe's own version: a write lands only when it is newer, so a repeated or late stream record
-- never overwrites a newer one. A delete keeps the row as a tombstone (deleted, empty document),
-- so an older record that arrives after it cannot bring the recipe back.

CREATE EXTENSION IF NOT EXISTS unaccent;

-- English stemming after unaccent: "Crème brûlée" matches "creme brulee", "tomatoes" "tomato".
CREATE TEXT SEARCH CONFIGURATION potluck_search (COPY = english);

ALTER TEXT SEARCH CONFIGURATION potluck_search
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

CREATE TABLE IF NOT EXISTS recipe_search (
    recipe_id text PRIMARY KEY,
    version integer NOT NULL,
    deleted boolean NOT NULL DEFAULT false,
    document tsvector NOT NULL,
    indexed_at timestamptz NOT NULL DEFAULT now()
);

-- Serves `document @@ query`; tombstones have empty documents and never match.
CREATE INDEX IF NOT EXISTS recipe_search_document ON recipe_search USING GIN (document);
