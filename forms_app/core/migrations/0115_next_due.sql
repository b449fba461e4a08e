-- The earliest open clock of each case (casework/worklist.py, the deadline rule of core/deadlines.py in SQL),
-- as a virtual column with an index: the list sorted by what is due, 超时 / 今天到期 / 即将到期 and the
-- 督办 page read it by the index instead of computing it for 50,000 rows. '9999' when no clock is open.
ALTER TABLE reports ADD COLUMN next_due TEXT GENERATED ALWAYS AS (CASE WHEN status IN ('已受理', '处理中', '已形成方案') THEN min(CASE WHEN first_contact_at = '' AND first_contact_due != '' THEN first_contact_due ELSE '9999' END, CASE WHEN plan_due != '' THEN plan_due WHEN resolve_due != '' THEN resolve_due ELSE '9999' END, CASE WHEN reopened_at != '' AND rehandled_at = '' AND rehandle_due != '' THEN rehandle_due ELSE '9999' END, CASE WHEN action_due != '' THEN action_due ELSE '9999' END) ELSE '9999' END) VIRTUAL;
-- Covering the list's order (what is due, urgent first, newest): a page is chosen from the index alone.
CREATE INDEX reports_by_next_due ON reports(next_due, urgent, category_id, created_at);
