-- 0011: ListUsers matches the attributes and sub without regard to case
-- (store.SearchKey): their index entries hold the value folded to ASCII
-- lower case. translate() folds ASCII only, whatever the database's locale,
-- as the Go code does.
UPDATE user_search
SET value = translate(value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
WHERE field IN ('email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username', 'sub')
  AND value <> translate(value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
