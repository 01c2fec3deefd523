-- 0010: the OAuth scopes an authorization code granted, space-separated,
-- which every refresh of the family carries again. Empty for a sign-in
-- through the API and for families stored before this column: their
-- refreshed tokens carry the API's own scope, as before.
ALTER TABLE token_families ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
