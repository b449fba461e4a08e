"""The deploy template in README and .env.example says what the hardening needs."""
import re
from pathlib import Path
from tests import REPO_ROOT

ROOT = REPO_ROOT
README = (ROOT / "README.md").read_text(encoding="utf-8")


def nginx() -> str:
    assert "deploy/nginx.conf" in README
    return (ROOT / "deploy/nginx.conf").read_text(encoding="utf-8")


def test_nginx_sends_hsts_appends_the_client_address_and_has_chinese_413_414_pages():
    conf = nginx()
    assert 'Strict-Transport-Security "max-age=' in conf
    assert conf.count("X-Forwarded-For $proxy_add_x_forwarded_for") >= 1 and "X-Forwarded-For $remote_addr" not in conf
    page = re.search(r"error_page 414 (/\S+);", conf).group(1)  # a static page from disk, never a named location
    root = re.search(rf"location = {re.escape(page)} {{ root /srv/yanji/(\S+);", conf).group(1)
    assert "地址太长了" in (ROOT / root / page.lstrip("/")).read_text(encoding="utf-8")
    page = re.search(r"error_page 413 /forms/static/(\S+);", conf)  # the forms' own Chinese page
    assert page and "内容太多了" in (ROOT / "forms_app/static" / page.group(1)).read_text(encoding="utf-8")


def test_env_example_keeps_proxy_trust_to_the_local_nginx_and_drops_the_hop_count():
    env = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert "TRUSTED_PROXY_ADDRESSES=127.0.0.1,::1" in env
    assert not re.search(r"^TRUSTED_PROXIES=", env, re.M)


def test_backups_run_hourly_and_are_copied_off_the_machine():
    cron = re.search(r"```cron\n(.*?)```", README, re.S).group(1)
    assert re.search(r"^\d+ \* \* \* \* .*flask --app forms_app backup$", cron, re.M)
    assert "rsync" in cron and "restic" in README and "### The restore drill" in README


def test_gunicorn_access_log_leaves_the_query_string_out():
    run = (ROOT / "scripts/run").read_text(encoding="utf-8")
    assert "%(U)s" in run and "%(r)s" not in run
    assert "%%(U)s" in README and "%%(r)s" not in README


def test_gunicorn_workers_are_recycled_and_malloc_arenas_bounded():
    """Memory a worker took for a request goes back (issue 18.2): recycled with jitter, two malloc arenas."""
    run = (ROOT / "scripts/run").read_text(encoding="utf-8")
    unit = re.search(r"# /etc/systemd/system/yanji-web.service\n(.*?)\n\n", README, re.S).group(1)
    for text in (run, unit):
        assert re.search(r"--max-requests \S+", text) and re.search(r"--max-requests-jitter \S+", text)
        assert "MALLOC_ARENA_MAX=2" in text
