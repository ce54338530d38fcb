-- The change feed: what each write changed, recorded in the write's own transaction with its
-- revision, so that a server sharing the store applies the changes after its revision instead
-- of reloading the whole estate. A row names an object (the write's content is in the estate
-- tables); several rows may share a revision (a batch of facts uploads).
--   kind: facts (name = certname), host (name = host name; its parameters too), hostgroup
--   (name = title), params (owner_kind + name), key (class + name = key name).
-- `feed_since` is the revision from which the feed is complete: an import replaces everything
-- and moves it to its own revision, pruning old rows moves it forward; a server behind it
-- reloads the whole estate.
CREATE TABLE lamina_changes (
    revision BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    owner_kind TEXT,
    name TEXT NOT NULL,
    class TEXT,
    PRIMARY KEY (revision, seq)
);
ALTER TABLE lamina_meta ADD COLUMN feed_since BIGINT NOT NULL DEFAULT 0;
UPDATE lamina_meta SET feed_since = revision;
