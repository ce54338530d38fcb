-- The store's revision, bumped by every change (an import, a write through the API, a facts
-- upload) in the same transaction as the change. Servers sharing a store compare it with the
-- revision their in-memory estate was built from (one tiny read), and a writer's conditional
-- bump (`... WHERE revision = <the one it validated against>`) makes concurrent writers through
-- different servers fail cleanly instead of overwriting each other.
CREATE TABLE lamina_meta (
    id BIGINT PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO lamina_meta (id, revision) VALUES (1, 0);
