-- The 待回访 list at 50,000 cases: resolved cases still waiting for an answer, by when they were resolved.
CREATE INDEX reports_followup_queue ON reports(resolved_at) WHERE status = '已解决' AND followup_due = 1;
