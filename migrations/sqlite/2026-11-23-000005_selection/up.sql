-- Seat filling: the selection runs computed for a call, who holds (or was offered) each seat, the
-- call's decision, and each application's outcome. Same tables and columns on both backends.

-- A run, as computed: its input hash and result are kept so that the decision can be checked
-- against it and a repeated run compared with it.
CREATE TABLE selection_runs (
    id                TEXT PRIMARY KEY,   -- UUID v7
    call_id           TEXT NOT NULL REFERENCES calls (id),
    seed              TEXT NOT NULL,
    constraints_json  TEXT NOT NULL,
    input_hash        TEXT NOT NULL,      -- SHA-256 of the canonical input
    algorithm_version TEXT NOT NULL,
    result_json       TEXT NOT NULL,      -- the response body of the run
    created_by        TEXT NOT NULL REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX selection_runs_call_id ON selection_runs (call_id, id);

-- Every time a seat is given to an application: by the decision, an override, a reserve stepping
-- in or a deputy moving up. `offered` and `confirmed` hold the seat; the others are history.
CREATE TABLE seat_holders (
    id             TEXT PRIMARY KEY,
    seat_id        TEXT NOT NULL REFERENCES seats (id),
    call_id        TEXT NOT NULL REFERENCES calls (id),
    application_id TEXT NOT NULL REFERENCES applications (id),
    status         TEXT NOT NULL CHECK (status IN ('offered', 'confirmed', 'declined', 'lapsed', 'vacated', 'moved')),
    source         TEXT NOT NULL CHECK (source IN ('selection', 'override', 'reserve', 'deputy')),
    reason         TEXT,
    offered_at     TIMESTAMP NOT NULL,
    respond_by     TIMESTAMP NOT NULL,
    answered_at    TIMESTAMP,
    ended_at       TIMESTAMP,
    end_reason     TEXT
);
CREATE UNIQUE INDEX seat_holders_one_per_seat
    ON seat_holders (seat_id) WHERE status IN ('offered', 'confirmed');
CREATE UNIQUE INDEX seat_holders_one_per_application
    ON seat_holders (application_id) WHERE status IN ('offered', 'confirmed');
CREATE INDEX seat_holders_due ON seat_holders (status, respond_by);
CREATE INDEX seat_holders_call_id ON seat_holders (call_id);

-- The decision: which run it started from, the meeting that made it, the rules it applied.
ALTER TABLE calls ADD COLUMN selection_run_id TEXT REFERENCES selection_runs (id);
ALTER TABLE calls ADD COLUMN meeting_reference TEXT;
ALTER TABLE calls ADD COLUMN decision_rules_json TEXT;

-- Set by the decision; the reserve list is ordered by `reserve_rank` within a theme.
ALTER TABLE applications ADD COLUMN outcome TEXT CHECK (outcome IN ('representative', 'deputy', 'reserve', 'not_selected'));
ALTER TABLE applications ADD COLUMN reserve_rank INTEGER;
ALTER TABLE applications ADD COLUMN declined_at TIMESTAMP;
