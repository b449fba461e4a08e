-- PIPL §39: separate consent before a resident's data goes abroad (the stewards' table on Google Sheets).
-- -1: not asked on our forms (no Google table then; a steward's intake; older rows), 0: declined, 1: agreed.
-- With SHEET_BACKEND=google, a report or sign-up whose resident declined is never sent to the sheet.
ALTER TABLE reports ADD COLUMN abroad_consent INTEGER NOT NULL DEFAULT -1;
ALTER TABLE signups ADD COLUMN abroad_consent INTEGER NOT NULL DEFAULT -1;
