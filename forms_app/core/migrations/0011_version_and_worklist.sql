-- Optimistic locking by a counter (reports.apply_changes adds one per change), not by updated_at
-- to the second: two saves within one second no longer both win.
ALTER TABLE reports ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
-- The stewards' list at 50,000 cases: newest first, each filter narrowing by an index.
CREATE INDEX reports_by_created ON reports(created_at, id);
CREATE INDEX reports_by_status_created ON reports(status, created_at, id);
CREATE INDEX reports_by_compound_created ON reports(compound_id, created_at, id);
CREATE INDEX reports_by_steward_name ON reports(steward_name, compound_id);
CREATE INDEX reports_by_first_contact_due ON reports(first_contact_due) WHERE first_contact_at = '';
CREATE INDEX reports_reopened ON reports(reopened) WHERE reopened > 0;
-- Searching phone digits reads this small index instead of every whole row.
CREATE INDEX reports_by_phone ON reports(phone);
