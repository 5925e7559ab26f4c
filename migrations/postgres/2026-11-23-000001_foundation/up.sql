-- Foundation schema. Portable column types only: TEXT ids (UUID v7), TIMESTAMP in UTC
-- (TIMESTAMP WITHOUT TIME ZONE here), DATE, INTEGER, JSON documents as TEXT.
-- The SQLite migration of the same name creates the same tables and columns.

CREATE TABLE municipalities (
    code        TEXT PRIMARY KEY,            -- Statistics Finland municipality code, e.g. '167'
    name_json   TEXT NOT NULL,               -- {"fi": ..., "sv": ..., "en": ...}
    region_code TEXT NOT NULL,               -- Statistics Finland region (maakunta) code, e.g. '12'
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE privacy_notices (
    version      TEXT PRIMARY KEY,
    text_json    TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by TEXT
);

CREATE TABLE councils (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('regional', 'local')),
    parent_id  TEXT REFERENCES councils (id),
    name_json  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX councils_parent_id ON councils (parent_id);

CREATE TABLE council_municipalities (
    council_id        TEXT NOT NULL REFERENCES councils (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    PRIMARY KEY (council_id, municipality_code)
);

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,          -- trimmed and lower-cased
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'secretary', 'committee')),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE user_councils (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    council_id TEXT NOT NULL REFERENCES councils (id),
    PRIMARY KEY (user_id, council_id)
);
CREATE INDEX user_councils_council_id ON user_councils (council_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,        -- hex SHA-256 of the token; the token itself is never stored
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE seats (
    id         TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    theme      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('representative', 'deputy')),
    position   INTEGER NOT NULL,              -- 1, 2, ... within (council, theme, role)
    created_at TIMESTAMP NOT NULL,
    UNIQUE (council_id, theme, role, position)
);

CREATE TABLE calls (
    id                TEXT PRIMARY KEY,
    council_id        TEXT NOT NULL REFERENCES councils (id),
    phase             TEXT NOT NULL CHECK (phase IN ('draft', 'published', 'reviewing', 'decided')),
    title_json        TEXT NOT NULL,
    announcement_json TEXT NOT NULL,
    criteria_json     TEXT NOT NULL,
    contacts_json     TEXT NOT NULL,
    themes_json       TEXT NOT NULL,
    opens_at          TIMESTAMP NOT NULL,
    closes_at         TIMESTAMP NOT NULL,
    time_zone         TEXT NOT NULL,
    term_start        DATE NOT NULL,
    term_end          DATE NOT NULL,
    published_at      TIMESTAMP,
    review_started_at TIMESTAMP,
    decided_at        TIMESTAMP,
    created_by        TEXT REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX calls_council_id ON calls (council_id);
CREATE INDEX calls_phase_closes_at ON calls (phase, closes_at);
