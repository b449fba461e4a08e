-- Each case's due dates, fixed when it comes in (or reopens) by core/deadlines.py, so lists can
-- filter on them in SQL; '' on rows from before this version (deadlines.backfill fills them).
ALTER TABLE reports ADD COLUMN first_contact_due TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN resolve_due TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN rehandle_due TEXT NOT NULL DEFAULT '';
CREATE INDEX reports_open_by_due ON reports(status, first_contact_due, resolve_due);
