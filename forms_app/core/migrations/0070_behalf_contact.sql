-- 代办 (someone reports for a family member or neighbour): the resident's own name and phone
-- (both optional) and whom the steward calls first ('helper' | 'resident'; '' when not 代办).
-- Retention (publishing/retention.py) clears the name and phone with the other personal data.
ALTER TABLE reports ADD COLUMN resident_name TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN resident_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN call_first TEXT NOT NULL DEFAULT '';
