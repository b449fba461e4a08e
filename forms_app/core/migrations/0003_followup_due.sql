-- Set when a report becomes 已解决, cleared when the resident answers the follow-up (or it reopens).
ALTER TABLE reports ADD COLUMN followup_due INTEGER NOT NULL DEFAULT 0;
UPDATE reports SET followup_due = 1
    WHERE status = '已解决' AND id NOT IN (SELECT report_id FROM followups);

