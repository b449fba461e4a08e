-- Issue 21: the residents' texts have one name. The table of texts to residents (0060, 0100) was called
-- `notices`, like the stewards' alerts package; it becomes `texts`, its indexes renamed with it.
ALTER TABLE notices RENAME TO texts;
DROP INDEX notices_by_report;
DROP INDEX notices_by_phone;
DROP INDEX notices_one_reminder;
DROP INDEX notices_by_sent;
CREATE INDEX texts_by_report ON texts(report_id);
CREATE INDEX texts_by_phone ON texts(phone, sent_at);
-- `flask remind` may run twice: one reminder per sign-up.
CREATE UNIQUE INDEX texts_one_reminder ON texts(signup_id) WHERE kind = 'reminder';
CREATE INDEX texts_by_sent ON texts(sent_at);
