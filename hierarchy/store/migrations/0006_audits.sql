-- Schema 6: the audit log. One row per write of the estate's data (an API write, an import),
-- recorded in the write's own transaction under its revision: who made it (a token's name or a
-- certificate's identity; an import names the user who ran it), when (UTC, RFC 3339), what
-- (the object's API path, or `import`), and the object before and after as JSON in the estate
-- format, secrets masked. Facts uploads are not audited (every agent run makes one).
CREATE TABLE lamina_audits (
    revision BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT
);
