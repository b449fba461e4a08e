-- Every change to a case, append-only: who, when, which field, old -> new.
CREATE TABLE case_history (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    field TEXT NOT NULL,
    old TEXT NOT NULL DEFAULT '',
    new TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_history_by_report ON case_history(report_id, id);
CREATE TRIGGER case_history_no_update BEFORE UPDATE ON case_history
    BEGIN SELECT RAISE(ABORT, 'case_history is append-only'); END;
-- The re-handling clock: when an unsatisfied follow-up reopened the case, and when it was handled again.
ALTER TABLE reports ADD COLUMN reopened_at TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN rehandled_at TEXT NOT NULL DEFAULT '';
