-- A case 12345 passed on (12345转办) carries the hotline's ticket number (12345 工单号).
ALTER TABLE reports ADD COLUMN ticket_no TEXT NOT NULL DEFAULT '';
