-- 督办: the supervisor asks the steward about one case (a note, a date by which the steward answers);
-- the steward sees it on the case and in the digest until they answer it.
CREATE TABLE supervisions (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    note TEXT NOT NULL,
    answer_by TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    answered_at TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX supervisions_by_report ON supervisions(report_id, id);
CREATE INDEX supervisions_open ON supervisions(answer_by) WHERE answered_at = '';
