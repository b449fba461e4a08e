-- SMS notices to residents: their consent, and each notice with what became of it.
ALTER TABLE reports ADD COLUMN sms_consent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE signups ADD COLUMN sms_consent INTEGER NOT NULL DEFAULT 0;
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                       -- accepted | status | followup | promoted | reminder
    report_id INTEGER REFERENCES reports(id),
    signup_id INTEGER REFERENCES signups(id),
    phone TEXT NOT NULL,                      -- E.164; the only personal data a notice carries
    params TEXT NOT NULL,                     -- JSON [[name, value], ...] in template order
    urgent INTEGER NOT NULL DEFAULT 0,        -- may go out in quiet hours (the 受理 notice of an urgent case)
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'unknown', 'sent', 'failed', 'skipped')),
    note TEXT NOT NULL DEFAULT '',            -- why it was skipped, failed or held (Chinese, for stewards)
    provider TEXT NOT NULL DEFAULT '',
    provider_ref TEXT NOT NULL DEFAULT '',    -- Aliyun BizId / Tencent SerialNo
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,       -- unix time it was scheduled for (回访: the next morning); 0 = at once
    next_try REAL NOT NULL DEFAULT 0,         -- unix time; not before (schedule, quiet hours, back-off)
    ambiguous_at REAL NOT NULL DEFAULT 0,     -- unix time of a send whose outcome is unknown
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT NOT NULL DEFAULT ''          -- when it was handed to the provider (counts for the daily limit)
);
CREATE INDEX notices_by_report ON notices(report_id);
CREATE INDEX notices_by_phone ON notices(phone, sent_at);
-- `flask remind` may run twice: one reminder per sign-up.
CREATE UNIQUE INDEX notices_one_reminder ON notices(signup_id) WHERE kind = 'reminder';
