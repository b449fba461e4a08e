-- A case a steward registers: who took it (account id), and the joint-reception session it came from.
ALTER TABLE reports ADD COLUMN taken_by TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN session_id TEXT NOT NULL DEFAULT '';
-- 回访 in three aspects (效率、态度、结果: 满意 / 基本满意 / 不满意) and an outcome (已解决 / 部分解决 /
-- 没有解决), online by the resident or by phone through a steward. The 1–5 score of the first
-- version stays for old answers; new answers leave it empty.
CREATE TABLE followups_v2 (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    created_at TEXT NOT NULL,
    solved INTEGER NOT NULL,
    satisfaction INTEGER CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', '已解决', '部分解决', '没有解决')),
    efficiency TEXT NOT NULL DEFAULT '' CHECK (efficiency IN ('', '满意', '基本满意', '不满意')),
    attitude TEXT NOT NULL DEFAULT '' CHECK (attitude IN ('', '满意', '基本满意', '不满意')),
    result TEXT NOT NULL DEFAULT '' CHECK (result IN ('', '满意', '基本满意', '不满意')),
    via TEXT NOT NULL DEFAULT 'online' CHECK (via IN ('online', 'phone')),
    actor TEXT NOT NULL DEFAULT ''
);
INSERT INTO followups_v2 (id, report_id, created_at, solved, satisfaction, comment, outcome)
    SELECT id, report_id, created_at, solved, satisfaction, comment,
           CASE WHEN solved THEN '已解决' ELSE '没有解决' END FROM followups;
DROP TABLE followups;
ALTER TABLE followups_v2 RENAME TO followups;
CREATE INDEX followups_by_report ON followups(report_id, id);
-- 会商 (consultation) meetings on one case or several: date, place, parties, what was agreed,
-- who does what by when (actions: JSON list of {"who", "what", "by"}), the public line proposed.
CREATE TABLE consultations (
    id INTEGER PRIMARY KEY,
    held_on TEXT NOT NULL,
    place TEXT NOT NULL,
    parties TEXT NOT NULL,
    agreed TEXT NOT NULL,
    actions TEXT NOT NULL DEFAULT '[]',
    public_note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE TABLE consultation_cases (
    consultation_id INTEGER NOT NULL REFERENCES consultations(id),
    report_id INTEGER NOT NULL REFERENCES reports(id),
    PRIMARY KEY (consultation_id, report_id)
);
CREATE INDEX consultation_cases_by_report ON consultation_cases(report_id);
