-- 0008: each pool's user count, kept by a trigger.
--
-- DescribeUserPool's EstimatedNumberOfUsers counted the pool's users on
-- every call, which grows with the pool (a million users: a scan of a
-- million index entries). The trigger keeps the count in the transaction of
-- every insert and delete, whatever the path (sign-up, AdminCreateUser,
-- import jobs, ninshou import, AdminDeleteUser, the purge of a deleted
-- pool), so reading it is a sum over at most 16 rows. The 16 shards (by a
-- hash of the sub) keep concurrent writers of one pool, on any node, from
-- queueing on one row lock. Deleting the pool deletes its rows. The
-- function keeps the search_path it was created with, so it finds this
-- schema's table whoever writes a user.
CREATE TABLE pool_user_counts (
	pool_id text COLLATE "C" NOT NULL,
	shard   smallint NOT NULL,
	n       bigint   NOT NULL,
	CONSTRAINT pool_user_counts_pkey PRIMARY KEY (pool_id, shard),
	CONSTRAINT pool_user_counts_pool_fkey FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE
);

INSERT INTO pool_user_counts (pool_id, shard, n)
	SELECT pool_id, hashtext(sub) & 15, count(*) FROM users GROUP BY pool_id, hashtext(sub) & 15;

CREATE FUNCTION ninshou_count_users() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO pool_user_counts AS c (pool_id, shard, n) VALUES (NEW.pool_id, hashtext(NEW.sub) & 15, 1)
			ON CONFLICT ON CONSTRAINT pool_user_counts_pkey DO UPDATE SET n = c.n + 1;
		RETURN NEW;
	END IF;
	UPDATE pool_user_counts SET n = n - 1 WHERE pool_id = OLD.pool_id AND shard = hashtext(OLD.sub) & 15;
	RETURN OLD;
END
$$;

CREATE TRIGGER users_count AFTER INSERT OR DELETE ON users
	FOR EACH ROW EXECUTE FUNCTION ninshou_count_users();
