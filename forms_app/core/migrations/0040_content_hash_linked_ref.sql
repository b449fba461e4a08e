-- What a submission said, hashed: the same submission id with different content is a new submission.
ALTER TABLE reports ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
-- 1 when the report number a resident linked to a sign-up was not found: the steward checks it.
ALTER TABLE signups ADD COLUMN linked_ref_unknown INTEGER NOT NULL DEFAULT 0;
