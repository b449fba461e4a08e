CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    submission_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    area_id TEXT NOT NULL,
    compound_id TEXT NOT NULL,
    building TEXT NOT NULL,
    room TEXT NOT NULL DEFAULT '',
    category_id TEXT NOT NULL,
    urgent INTEGER NOT NULL DEFAULT 0,
    urgent_note TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    best_time TEXT NOT NULL DEFAULT '',
    join_reception INTEGER NOT NULL DEFAULT 0,
    on_behalf INTEGER NOT NULL DEFAULT 0,
    behalf_relation TEXT NOT NULL DEFAULT '',
    behalf_consent INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT '已受理',
    public_note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    place TEXT NOT NULL,
    parties TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    is_open INTEGER NOT NULL DEFAULT 1,
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE signups (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    submission_id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    compound_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    linked_ref TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('confirmed', 'waiting', 'cancelled')),
    queued_at TEXT NOT NULL
);
-- One live sign-up per phone per session; a cancelled one does not block signing up again.
CREATE UNIQUE INDEX signups_one_per_phone ON signups(session_id, phone) WHERE state != 'cancelled';
CREATE INDEX signups_by_session ON signups(session_id, state, queued_at);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    queued_at TEXT NOT NULL,
    delivered_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox(delivered_at, id);

