-- What the 问题登记 sheet's 时限 column last received for a case (deadlines.summary), so the daily
-- refresh queues a cell only when the words change.
ALTER TABLE reports ADD COLUMN sheet_deadline TEXT NOT NULL DEFAULT '';
