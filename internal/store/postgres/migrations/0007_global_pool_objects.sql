-- 0007: a user pool domain's name is unique across every pool of the
-- store (Cognito: "Domain already associated with another user pool."),
-- and DescribeUserPoolDomain finds it by name alone.
CREATE UNIQUE INDEX pool_objects_domain ON pool_objects (kind, key) WHERE kind = 'domain';
