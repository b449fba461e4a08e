-- Issue 18 #5/#6: per-address counts (an HMAC of the client address, never the address itself), the
-- number a steward checked with the resident (电话已核实: texts may then go in quiet hours when urgent).
CREATE TABLE address_counts (
    day TEXT NOT NULL,         -- Shanghai date the count is for (a session's date for its sign-ups)
    purpose TEXT NOT NULL,     -- 'sms-report' | 'signup:<session id>'
    address TEXT NOT NULL,     -- HMAC-SHA256 of the client address with the app's key, shortened
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, purpose, address)
);
ALTER TABLE reports ADD COLUMN phone_verified TEXT NOT NULL DEFAULT '';  -- E.164 a steward checked; '' = not checked
CREATE INDEX notices_by_sent ON notices(sent_at);
-- Issue 18 #6: the answer to a sign-up for a phone already signed up looks like a first sign-up's: a
-- receipt number (never the existing sign-up's) that the confirmation page shows the session for.
CREATE TABLE signup_receipts (
    ref TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
