-- Issue 18.10: guesses at one account from many addresses.
-- login_attempts is read per account too (the back-off), and every failed sign-in of an existing account is
-- kept a month for the account holder's daily digest ("有人试了X次密码").
CREATE INDEX login_attempts_by_account ON login_attempts(account_id, at);
CREATE TABLE password_failures (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    at TEXT NOT NULL              -- Shanghai ISO time (core/clock.iso), like the digest's window
);
CREATE INDEX password_failures_by_account ON password_failures(account_id, at);
