-- Links that open an application's page, sent in the messages after the receipt (the outcome,
-- an offered seat). Each link carries a token of its own; only its SHA-256 digest is stored, as
-- with the edit token of the receipt.
CREATE TABLE application_links (
    token_hash     TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX application_links_application_id ON application_links (application_id);
