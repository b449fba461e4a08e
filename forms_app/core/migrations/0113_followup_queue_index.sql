-- The 待回访 list at 50,000 cases: resolved cases still waiting for an answer, by when they were resolved.
CREATE INDEX reports_followup_queue ON reports(followup_due, status, resolved_at);
