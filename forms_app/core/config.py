"""Every setting, its environment variable and its default — the one place to look.

manual/settings.md and .env.example list the same names with the same defaults (a test checks).
"""
from __future__ import annotations

import os
import secrets

# name -> (default, parser). Read once by create_app; tests override with test_config.
_BOOL = lambda v: str(v).strip().lower() in ("1", "true", "yes", "on")  # noqa: E731
SETTINGS: dict[str, tuple[object, object]] = {
    "SECRET_KEY": (None, str),                   # required unless FLASK_DEBUG=1
    "DATABASE": ("instance/yanji.sqlite3", str),  # SQLite file (WAL mode)
    "DIRECTORY_FILE": ("", str),                 # empty: data/directory.yaml
    "WORKDAYS_FILE": ("", str),                  # empty: data/workdays.yaml (holidays and 调休 per year)
    "SITE_DIR": ("", str),                       # built knowledge base to serve at / (dev/single-port)
    "SEED_SAMPLE_SESSIONS": (False, _BOOL),      # seed sample joint-reception sessions if none exist
    "RATELIMIT_STORAGE_URI": ("memory://", str),  # redis://host:6379 when several instances run
    "RATELIMIT_SUBMIT": ("10 per minute;60 per hour", str),
    "RATELIMIT_LOOKUP": ("10 per minute;30 per hour", str),
    "RATELIMIT_STEWARD_LOGIN": ("5 per minute;20 per hour", str),  # failed steward sign-ins per IP
    "RATELIMIT_TOOLS": ("30 per minute;300 per hour", str),  # lift-vote calculator POSTs per IP
    "RATELIMIT_ENABLED": (True, _BOOL),
    "MAX_CONTENT_LENGTH": (64 * 1024, int),      # bytes; larger bodies get a 413 page
    "PHOTOS_DIR": ("", str),                     # where photos are kept; empty: a folder `photos` next to DATABASE
    "PHOTO_MAX_BYTES": (10 * 1024 * 1024, int),  # per photo; routes taking photos allow 3 of these + the form
    "PHOTO_DECODE_SLOTS": (2, int),              # photos decoded at once across all web workers; more get a 503 at once
    "PHOTO_DECODE_MEMORY_MB": (256, int),        # address space a decoding child may add (RLIMIT_AS); over it the photo is refused
    "PHOTO_DECODE_SECONDS": (10, int),           # CPU seconds a decoding child may use (RLIMIT_CPU)
    "TRUSTED_PROXY_ADDRESSES": ("127.0.0.1,::1", str),  # proxies whose X-Forwarded-For/-Proto are believed (addresses or networks)
    "SESSION_COOKIE_SECURE": (None, _BOOL),      # default: on outside development
    "STEWARD_SESSION_HOURS": (12.0, float),      # a steward stays signed in this long
    # The stewards' shared table (manual/shared-table.md). SHEET_BACKEND empty: google when its key is set, otherwise off.
    "SHEET_BACKEND": ("", str),                  # google | wecom | feishu
    "WECOM_CORP_ID": ("", str),                  # WeCom / 政务微信 corp id (企业ID)
    "WECOM_CORP_SECRET": ("", str),              # the self-built app's Secret (its 可调用应用 includes 文档)
    "WECOM_DOC_ID": ("", str),                   # the 智能表格 document's docid
    "WECOM_API_BASE_URL": ("https://qyapi.weixin.qq.com", str),  # another host: 政务微信's own, or the emulator
    "FEISHU_APP_ID": ("", str),                  # Feishu self-built app: App ID (cli_…)
    "FEISHU_APP_SECRET": ("", str),              # … and its App Secret
    "FEISHU_APP_TOKEN": ("", str),               # the 多维表格 base's app_token (from its URL)
    "FEISHU_API_BASE_URL": ("https://open.feishu.cn", str),  # another host: the emulator
    "GOOGLE_SERVICE_ACCOUNT_FILE": ("", str),
    "SHEETS_SPREADSHEET_KEY": ("", str),
    "RETENTION_DAYS": (730, int),                # personal data removed this long after a report closes
    "SHEETS_API_BASE_URL": ("", str),            # empty: Google's own hosts
    "SHEETS_TIMEOUT": (30.0, float),             # seconds per Sheets API call
    "SYNC_INTERVAL": (5.0, float),               # seconds between delivery cycles (quota: 60 writes/min)
    "SYNC_PULL_INTERVAL": (60.0, float),         # seconds between reads of the stewards' edits
    # Urgent alerts and the daily digest (optional; nothing set = no alerts). Secrets: .env only, never the directory.
    "ALERT_WEBHOOK_URL": ("", str),              # team robot webhook: WeCom 群机器人 / DingTalk / Feishu 自定义机器人
    "ALERT_WEBHOOK_KIND": ("", str),             # the `kind` of a file in notices/channels/; empty: from the URL
    "ALERT_WEBHOOK_SECRET": ("", str),           # DingTalk 加签 / Feishu 签名校验 secret, when the robot has one
    "ALERT_WEBHOOK_MSGTYPE": ("", str),          # empty: markdown (Feishu: post); text: plain text
    "ALERT_WEBHOOK_2_URL": ("", str),            # a second robot beside the first (e.g. WeCom and Feishu together)
    "ALERT_WEBHOOK_2_KIND": ("", str),           # as ALERT_WEBHOOK_KIND, for the second robot
    "ALERT_WEBHOOK_2_SECRET": ("", str),         # as ALERT_WEBHOOK_SECRET, for the second robot
    "ALERT_WEBHOOK_2_MSGTYPE": ("", str),        # as ALERT_WEBHOOK_MSGTYPE, for the second robot
    "ALERT_STEWARD_MOBILES": ("", str),          # "s1:139…,s2:…": @ the steward in WeCom/DingTalk alerts (optional)
    "ALERT_SMTP_HOST": ("", str),                # e-mail: SMTP server; e-mail is on when this and a recipient are set
    "ALERT_SMTP_PORT": (0, int),                 # 0: 465 for ssl, 587 for starttls, 25 for none
    "ALERT_SMTP_SECURITY": ("ssl", str),         # ssl | starttls | none
    "ALERT_SMTP_USER": ("", str),                # empty: no login
    "ALERT_SMTP_PASSWORD": ("", str),
    "ALERT_EMAIL_FROM": ("", str),               # sender address; empty: ALERT_SMTP_USER
    "ALERT_EMAIL_TO": ("", str),                 # the team's addresses, comma-separated
    "ALERT_STEWARD_EMAILS": ("", str),           # "s1:a@x,s2:b@y": also mail the steward in charge
    "ALERT_MAX_AGE_HOURS": (24.0, float),        # an alert still failing after this is given up (the digest lists it)
    "SUPERVISE_AFTER_DAYS": (3, int),            # 督办: cases overdue by more than this many working days (`flask supervise`)
    # SMS texts to residents (optional; SMS_PROVIDER empty = off). Templates: the provider's approved ids.
    "SMS_PROVIDER": ("", str),                   # a name in PROVIDERS of notices/sms/ (shipped: aliyun, tencent)
    "SMS_ACCESS_KEY_ID": ("", str),              # Aliyun AccessKey ID / Tencent SecretId
    "SMS_ACCESS_KEY_SECRET": ("", str),          # Aliyun AccessKey Secret / Tencent SecretKey
    "SMS_SIGN_NAME": ("", str),                  # the approved signature (签名), e.g. 延吉新村街道
    "SMS_SDK_APP_ID": ("", str),                 # Tencent only: the SMS application's SdkAppId (1400…)
    "SMS_TEMPLATE_ACCEPTED": ("", str),          # 受理; empty: this notice is not sent
    "SMS_TEMPLATE_STATUS": ("", str),            # 状态变化 (已形成方案 / 已解决)
    "SMS_TEMPLATE_FOLLOWUP": ("", str),          # 回访 invitation, the morning after 已解决
    "SMS_TEMPLATE_PROMOTED": ("", str),          # 候补转正
    "SMS_TEMPLATE_REMINDER": ("", str),          # 接待提醒, the day before (flask remind)
    "SMS_TEMPLATE_SIGNUP": ("", str),            # 报名编号: the existing sign-up's number, when the same phone signs up again
    "SMS_ENDPOINT": ("", str),                   # empty: the provider's own host; host:port or http://host:port (relay, emulator)
    "SMS_DAILY_LIMIT": (5, int),                 # texts per phone number per day (Shanghai date)
    "SMS_QUIET_START": ("21:00", str),           # no texts from … (Shanghai time) …
    "SMS_QUIET_END": ("08:00", str),             # … until (held, not dropped; only urgent cases with a steward-checked phone excepted)
    "SMS_DAILY_BUDGET": (300, int),              # texts a day for the whole street; more are skipped with a note (0 = none)
    "SMS_REPORTS_PER_ADDRESS": (3, int),         # reports a day from one client address that may trigger texts (0 = no cap)
    "ALERT_URGENT_PER_HOUR": (6, int),           # urgent robot/e-mail alerts an hour; the rest folded into one message (0 = no cap)
    "RECEPTION_SIGNUPS_PER_ADDRESS": (2, int),   # sign-ups for one session from one client address (0 = no cap)
    "FIGURES_FILE": ("data/figures.json", str),  # `flask figures` writes it, the site build reads it; relative to the project
    "LOG_LEVEL": ("INFO", str),                  # the application's log level (DEBUG, INFO, WARNING, ERROR)
    "LOG_FORMAT": ("%(asctime)s %(levelname)s %(name)s: %(message)s", str),  # logging format string
    "BACKUP_DIR": ("", str),                     # empty: a folder `backups` next to DATABASE
    "BACKUP_KEEP": (48, int),                    # verified backups kept (hourly: two days)
    "BACKUP_KEY": ("", str),                     # signs backup manifests (HMAC); empty: derived from SECRET_KEY. Never on the NAS
}
MIN_SECRET_KEY_BYTES = 32
# The settings each table backend needs before it can be switched on.
TABLE_SETTINGS = {
    "google": ("SHEETS_SPREADSHEET_KEY", "GOOGLE_SERVICE_ACCOUNT_FILE"),
    "wecom": ("WECOM_CORP_ID", "WECOM_CORP_SECRET", "WECOM_DOC_ID"),
    "feishu": ("FEISHU_APP_ID", "FEISHU_APP_SECRET", "FEISHU_APP_TOKEN"),
}


class ConfigError(RuntimeError):
    """A setting that must stop the start; the message says in Chinese what to change."""


def from_environ(environ=os.environ) -> dict:
    """Settings from the environment, parsed, with defaults for what is unset."""
    out = {}
    for name, (default, parse) in SETTINGS.items():
        raw = environ.get(name)
        out[name] = default if raw in (None, "") else parse(raw)
    # Replaced by TRUSTED_PROXY_ADDRESSES; kept only to tell an operator who still sets it.
    out["LEGACY_TRUSTED_PROXIES"] = environ.get("TRUSTED_PROXIES", "")
    return out


def finalise(config, debug: bool) -> None:
    """Derived settings and the checks that must stop a misconfigured start."""
    development = debug or config.get("TESTING")
    if not config.get("SECRET_KEY"):
        if not development:
            raise ConfigError("没有设置 SECRET_KEY（SECRET_KEY must be set outside development）。"
                              "请在 .env 里设置一个随机密钥，生成方法见 .env.example。")
        # A fresh random key each start: a development key can never open a real resident's session.
        config["SECRET_KEY"] = secrets.token_hex(32)
    elif not development and len(str(config["SECRET_KEY"]).encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(f"SECRET_KEY 太短：至少要 {MIN_SECRET_KEY_BYTES} 个字节（SECRET_KEY must be at least "
                          f"{MIN_SECRET_KEY_BYTES} bytes）。请用 python3 -c \"import secrets; print(secrets.token_hex(32))\" 生成。")
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = not (debug or config.get("TESTING"))
    config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # Residents on a slow phone may take a while; a form stays valid for six hours.
    config["WTF_CSRF_TIME_LIMIT"] = 6 * 3600
    config["RATELIMIT_HEADERS_ENABLED"] = True
    config["SMS_ENABLED"] = bool((config.get("SMS_PROVIDER") or "").strip())
    if not config.get("PHOTOS_DIR"):
        config["PHOTOS_DIR"] = os.path.join(os.path.dirname(config.get("DATABASE") or ".") or ".", "photos")
    config["SHEET_BACKEND"] = str(config.get("SHEET_BACKEND") or "").strip().lower()
    backend = config["SHEET_BACKEND"] or ("google" if config.get("SHEETS_SPREADSHEET_KEY")
                                          and config.get("GOOGLE_SERVICE_ACCOUNT_FILE") else "")
    if backend and backend not in TABLE_SETTINGS:
        raise ConfigError(f"SHEET_BACKEND 只能是 {'、'.join(TABLE_SETTINGS)} 之一，现在是 {backend!r}"
                          f"（SHEET_BACKEND must be one of {', '.join(TABLE_SETTINGS)}）。")
    missing = [name for name in TABLE_SETTINGS.get(backend, ()) if not config.get(name)]
    if missing:
        raise ConfigError(f"SHEET_BACKEND={backend} 还缺这些设置：{'、'.join(missing)}"
                          f"（SHEET_BACKEND={backend} needs {', '.join(missing)}）。见 manual/shared-table.md。")
    config["TABLE_BACKEND"] = backend              # the backend in use: a name of TABLE_SETTINGS, or "" (off)
    config["SHEETS_ENABLED"] = bool(backend)       # a shared table is configured (any backend)
