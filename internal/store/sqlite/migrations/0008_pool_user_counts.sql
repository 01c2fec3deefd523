-- 0008: each pool's user count, kept by triggers.
--
-- DescribeUserPool's EstimatedNumberOfUsers counted the pool's users on
-- every call: about 16 ms per 100,000 users here, 150 ms at a million,
-- holding a read transaction all that time. Triggers on users keep the count
-- in the transaction of every insert and delete, whatever the path (sign-up,
-- AdminCreateUser, import jobs, ninshou import, AdminDeleteUser, the purge
-- of a deleted pool), so reading it is one row. SQLite has one writer, so
-- one row per pool (shard 0) meets no contention; PostgreSQL spreads its
-- writers over 16 (see its 0008). Deleting the pool deletes its rows.
CREATE TABLE pool_user_counts (
	pool_id TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	shard   INTEGER NOT NULL,
	n       INTEGER NOT NULL,
	PRIMARY KEY (pool_id, shard)
) WITHOUT ROWID, STRICT;

INSERT INTO pool_user_counts (pool_id, shard, n)
	SELECT pool_id, 0, count(*) FROM users GROUP BY pool_id;

CREATE TRIGGER users_count_insert AFTER INSERT ON users BEGIN
	INSERT OR IGNORE INTO pool_user_counts (pool_id, shard, n) VALUES (NEW.pool_id, 0, 0);
	UPDATE pool_user_counts SET n = n + 1 WHERE pool_id = NEW.pool_id AND shard = 0;
END;

CREATE TRIGGER users_count_delete AFTER DELETE ON users BEGIN
	UPDATE pool_user_counts SET n = n - 1 WHERE pool_id = OLD.pool_id AND shard = 0;
END;
