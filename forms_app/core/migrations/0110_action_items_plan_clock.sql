-- A 会商's 分工 lines as action items (who, what, by when; done when a steward marks it), and on
-- each case the clocks that follow from them (core/deadlines.py): plan_due, the 落实 clock (the
-- latest 分工 date: the case stays open until 已解决), and action_due, the earliest 分工 still open.
CREATE TABLE action_items (
    id INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations(id),
    position INTEGER NOT NULL,
    who TEXT NOT NULL,
    what TEXT NOT NULL,
    due TEXT NOT NULL DEFAULT '',
    done_at TEXT NOT NULL DEFAULT '',
    done_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX action_items_by_consultation ON action_items(consultation_id, position);
INSERT INTO action_items (consultation_id, position, who, what, due)
    SELECT c.id, j.key, coalesce(json_extract(j.value, '$.who'), ''), coalesce(json_extract(j.value, '$.what'), ''),
           coalesce(json_extract(j.value, '$.by'), '')
    FROM consultations c, json_each(c.actions) j;
ALTER TABLE reports ADD COLUMN plan_due TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN action_due TEXT NOT NULL DEFAULT '';
-- 回访: 效率 or 态度 不满意 (the case stays closed) waits here for the supervisor to check ('' = nothing).
ALTER TABLE reports ADD COLUMN to_verify TEXT NOT NULL DEFAULT '';
CREATE INDEX reports_to_verify ON reports(to_verify) WHERE to_verify != '';
