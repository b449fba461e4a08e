-- Photos sent with a report (the resident's form, a steward's intake) or a "没有解决" follow-up.
-- The files live in PHOTOS_DIR under these random names; the row is what makes a file servable.
CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    origin TEXT NOT NULL CHECK (origin IN ('report', 'intake', 'followup')),
    name TEXT NOT NULL UNIQUE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX photos_by_report ON photos(report_id, id);
