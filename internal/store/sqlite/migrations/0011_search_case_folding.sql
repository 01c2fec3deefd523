-- 0011: ListUsers matches the attributes and sub without regard to case
-- (store.SearchKey): their index entries hold the value folded to ASCII
-- lower case, which SQLite's lower() does exactly.
UPDATE user_search SET value = lower(value)
WHERE field IN ('email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username', 'sub')
  AND value <> lower(value);
