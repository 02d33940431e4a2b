-- Comments and ratings live in Aurora; recipes and profiles in DynamoDB, so ids here are text
-- references without foreign keys. A recipe's deletion is recorded in recipe_tombstones in the same
-- transaction that removes its comments and ratings, and every write checks it, so nothing can be
-- attached to a deleted recipe afterwards.

CREATE TABLE IF NOT EXISTS comments (
    id uuid PRIMARY KEY,
    recipe_id text NOT NULL,
    author_id text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Serves Recipe.comments (oldest first, keyset pagination) and commentCount.
CREATE INDEX IF NOT EXISTS comments_by_recipe ON comments (recipe_id, created_at, id);

CREATE TABLE IF NOT EXISTS ratings (
    recipe_id text NOT NULL,
    user_id text NOT NULL,
    stars smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- One rating per user per recipe: rating again is an upsert on this key.
    PRIMARY KEY (recipe_id, user_id)
);

-- Serves Recipe.myRating for a page of recipes.
CREATE INDEX IF NOT EXISTS ratings_by_user ON ratings (user_id, recipe_id);

CREATE TABLE IF NOT EXISTS recipe_tombstones (
    recipe_id text PRIMARY KEY,
    deleted_at timestamptz NOT NULL DEFAULT now()
);
