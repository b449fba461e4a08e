-- The stewards' side of a report (the sheet's steward columns, mirrored), follow-ups, retention.
ALTER TABLE reports ADD COLUMN steward_name TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN coordinating TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN first_contact_at TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN resolved_at TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN satisfaction TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN anonymised_at TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN attended TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
-- What an outbox item carries when the row alone does not say it (an alert, changed cells).
ALTER TABLE outbox ADD COLUMN payload TEXT NOT NULL DEFAULT '';
CREATE TABLE followups (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    created_at TEXT NOT NULL,
    solved INTEGER NOT NULL,
    satisfaction INTEGER NOT NULL CHECK (satisfaction BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT ''
);
-- Small facts kept between runs of a command (e.g. when the last digest went out).
CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);

