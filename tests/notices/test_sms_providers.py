"""The SMS providers' one list (notices/sms/__init__.py PROVIDERS): a provider is a file and a line."""
import pytest

from forms_app.notices import sms
from forms_app.notices.sms import PROVIDERS, Provider

BASE = {"SMS_ACCESS_KEY_ID": "id", "SMS_ACCESS_KEY_SECRET": "secret", "SMS_SIGN_NAME": "星河街道"}


class DemoSms:
    """A provider added by a new developer: its class and one line in PROVIDERS, nothing else."""

    name, settle = "demo", 1.0

    def __init__(self, app: str, timeout: float):
        self.app, self.timeout = app, timeout

    @classmethod
    def from_config(cls, config, timeout):
        return cls(config["SMS_DEMO_APP"], timeout)


@pytest.mark.parametrize("name, extra", [("aliyun", {}), ("tencent", {"SMS_SDK_APP_ID": "1400000000"})])
def test_every_listed_provider_is_built_from_the_settings_with_its_sdk(name, extra):
    channel = sms.from_config({**BASE, **extra, "SMS_PROVIDER": name}, timeout=3.0)
    assert channel.name == name and name in PROVIDERS


def test_a_new_provider_is_one_class_and_one_line(monkeypatch):
    monkeypatch.setitem(PROVIDERS, "demo", Provider("示例短信", f"{__name__}:DemoSms", ("SMS_DEMO_APP",)))
    with pytest.raises(ValueError, match="SMS_DEMO_APP"):
        sms.check({**BASE, "SMS_PROVIDER": "demo"})
    channel = sms.from_config({**BASE, "SMS_PROVIDER": "demo", "SMS_DEMO_APP": "A1"}, timeout=2.0)
    assert isinstance(channel, DemoSms) and (channel.app, channel.timeout) == ("A1", 2.0)
    with pytest.raises(ValueError) as refused:
        sms.check({**BASE, "SMS_PROVIDER": "twilio"})
    assert "demo（示例短信）" in str(refused.value) and "aliyun（阿里云）" in str(refused.value)


@pytest.mark.parametrize("name", list(PROVIDERS))
def test_each_provider_names_what_it_misses(name):
    with pytest.raises(ValueError, match="SMS_ACCESS_KEY_SECRET"):
        sms.check({"SMS_PROVIDER": name, "SMS_ACCESS_KEY_ID": "id", "SMS_SIGN_NAME": "x"})
