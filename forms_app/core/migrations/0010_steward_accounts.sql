-- One account per steward and per supervisor (replaces the shared password), server-side sign-in
-- sessions (the cookie holds only a random token; its SHA-256 is stored), and sign-in attempts
-- counted before the password is checked (so concurrent guesses cannot beat the limit).
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'steward' CHECK (role IN ('steward', 'supervisor')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT NOT NULL DEFAULT '',
    demo INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE steward_sessions (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created_at REAL NOT NULL
);
CREATE INDEX steward_sessions_by_account ON steward_sessions(account_id);
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    account_id TEXT NOT NULL,
    at REAL NOT NULL,
    ok INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_attempts_by_address ON login_attempts(address, at);
CREATE INDEX login_attempts_by_time ON login_attempts(at);
