-- 重复件: a case about the same problem as another (the main case, by reference). It follows the main
-- case's status and counts once in the public figures.
ALTER TABLE reports ADD COLUMN duplicate_of TEXT NOT NULL DEFAULT '';
CREATE INDEX reports_duplicates ON reports(duplicate_of) WHERE duplicate_of != '';
