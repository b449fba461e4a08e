"""The SMS emulator as the official SDKs see it: signatures checked with the key secret, the providers'
documented success and error bodies, fault injection, /_messages, and run as its own process."""
import datetime as dt
import json
import os
import signal
import subprocess
import sys

import pytest
import requests
from alibabacloud_dysmsapi20170525 import models as ali_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from darabonba.runtime import RuntimeOptions

from forms_app.core import clock
from forms_app.notices.sms import SmsError, Text
from forms_app.notices.sms.aliyun import AliyunSms
from forms_app.notices.sms.tencent import TencentSms
from tests.server import ROOT
from tests.sms_emulator.fixtures import KEY_ID, KEY_SECRET, sms_emu, sms_emulator  # noqa: F401

TEXT = Text("+8613812345678", "SMS_1", (("ref", "W7K3-M9P"), ("day", "12月3日（周四）")), "42")


def adapter(provider: str, emu, secret: str = KEY_SECRET, key_id: str = KEY_ID):
    """The project's adapter (the official SDK inside) pointed at the emulator."""
    if provider == "aliyun":
        return AliyunSms(key_id, secret, "延吉新村街道", f"http://{emu.endpoint}", timeout=1.0)
    return TencentSms(key_id, secret, "延吉新村街道", "1400000001", f"http://{emu.endpoint}", timeout=1.0)


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request):
    return request.param


def test_a_signed_request_is_sent_and_listed(sms_emu, provider):
    serial = adapter(provider, sms_emu).send(TEXT)
    assert serial
    params = {"ref": "W7K3-M9P", "day": "12月3日（周四）"} if provider == "aliyun" else ["W7K3-M9P", "12月3日（周四）"]
    assert requests.get(sms_emu.url + "/_messages", timeout=5).json() == [
        {"provider": provider, "phone": "+8613812345678", "sign": "延吉新村街道", "template": "SMS_1", "params": params}]


@pytest.mark.parametrize("secret, key_id, codes", [
    ("wrong-secret", KEY_ID, {"aliyun": "SignatureDoesNotMatch", "tencent": "AuthFailure.SignatureFailure"}),
    (KEY_SECRET, "unknown-id", {"aliyun": "InvalidAccessKeyId.NotFound", "tencent": "AuthFailure.SecretIdNotFound"}),
])
def test_a_wrong_key_is_refused_for_good_and_nothing_sent(sms_emu, provider, secret, key_id, codes):
    with pytest.raises(SmsError) as caught:
        adapter(provider, sms_emu, secret, key_id).send(TEXT)
    # A wrong key is our settings' fault: never retried, the office is told (issue 20 #9).
    assert caught.value.code == codes[provider] and caught.value.account and not caught.value.retryable
    assert not caught.value.ambiguous
    assert sms_emu.messages() == []


def test_the_old_rpc_signature_is_checked_too(sms_emu):
    def client(secret):
        return Client(openapi_models.Config(access_key_id=KEY_ID, access_key_secret=secret, endpoint=sms_emu.endpoint,
                                            protocol="HTTP", signature_algorithm="v2"))
    request = ali_models.SendSmsRequest(phone_numbers="13812345678", sign_name="延吉新村街道", template_code="SMS_1",
                                        template_param='{"ref": "W7K3-M9P"}', out_id="7")
    assert client(KEY_SECRET).send_sms_with_options(request, RuntimeOptions()).body.code == "OK"
    with pytest.raises(Exception, match="SignatureDoesNotMatch"):
        client("wrong").send_sms_with_options(request, RuntimeOptions())
    assert len(sms_emu.messages()) == 1


def test_a_replayed_request_is_refused(sms_emu):
    """The same signed request twice (same nonce): Aliyun's SignatureNonceUsed; only one text."""
    import darabonba.core as core

    seen = []
    original = core.DaraCore.do_action

    def twice(request, runtime=None):
        seen.append(original(request, runtime))
        return original(request, runtime)

    core.DaraCore.do_action = staticmethod(twice)
    try:
        with pytest.raises(SmsError, match="SignatureNonceUsed"):
            adapter("aliyun", sms_emu).send(TEXT)
    finally:
        core.DaraCore.do_action = staticmethod(original)
    assert len(sms_emu.messages()) == 1


@pytest.mark.parametrize("setup, phone, codes, retryable", [
    (None, "+8612345678901", {"aliyun": "isv.MOBILE_NUMBER_ILLEGAL",
                              "tencent": "InvalidParameterValue.IncorrectPhoneNumber"}, False),
    ({"unapproved_templates": ["SMS_1"]}, TEXT.phone, {"aliyun": "isv.SMS_TEMPLATE_ILLEGAL",
                                                        "tencent": "FailedOperation.TemplateIncorrectOrUnapproved"}, False),
    ({"daily_limit": 0}, TEXT.phone, {"aliyun": "isv.BUSINESS_LIMIT_CONTROL",
                                      "tencent": "LimitExceeded.PhoneNumberDailyLimit"}, None),
], ids=["bad-number", "template-unapproved", "provider-daily-limit"])
def test_refusals_come_back_with_the_documented_codes(sms_emu, provider, setup, phone, codes, retryable):
    if setup:
        sms_emu.state.configure(**setup)
    with pytest.raises(SmsError) as caught:
        adapter(provider, sms_emu).send(Text(phone, TEXT.template, TEXT.params, TEXT.tag))
    assert caught.value.code == codes[provider] and sms_emu.messages() == []
    if retryable is not None:
        assert caught.value.retryable is retryable
    else:  # Aliyun's flow control may lift within the day; Tencent names the daily cap itself
        assert caught.value.retryable is (provider == "aliyun")


@pytest.mark.parametrize("fault, codes, ambiguous, sent", [
    ({"kind": "throttle"}, {"aliyun": "Throttling.User", "tencent": "RequestLimitExceeded"}, False, 0),
    ({"kind": "status", "status": 503}, {"aliyun": "ServiceUnavailable", "tencent": "ServerNetworkError"}, True, 0),
    ({"kind": "applied_then_drop"}, {"aliyun": "network", "tencent": "network"}, True, 1),
    ({"kind": "delay", "seconds": 1.5, "apply_first": True}, {"aliyun": "network", "tencent": "network"}, True, 1),
], ids=["throttle", "5xx", "lost-answer", "timeout"])
def test_faults_as_the_sdks_see_them(sms_emu, provider, fault, codes, ambiguous, sent):
    sms_emu.faults.add(**fault)
    with pytest.raises(SmsError) as caught:
        adapter(provider, sms_emu).send(TEXT)
    assert (caught.value.code, caught.value.retryable, caught.value.ambiguous) == (codes[provider], True, ambiguous)
    assert len(sms_emu.messages()) == sent


def test_no_deduplication_like_the_real_providers_but_the_send_records_show_the_tag(sms_emu, provider):
    a = adapter(provider, sms_emu)
    since = clock.now() - dt.timedelta(minutes=1)
    assert not a.lookup(TEXT, since)
    a.send(TEXT)
    a.send(TEXT)
    assert len(sms_emu.messages()) == 2  # SendSms is not idempotent (both providers' documentation)
    assert a.lookup(TEXT, since) and not a.lookup(Text(TEXT.phone, TEXT.template, TEXT.params, "43"), since)


def test_tencent_status_reports_arrive_late(sms_emu):
    sms_emu.state.configure(receipt_delay=3600)
    a = adapter("tencent", sms_emu)
    a.send(TEXT)
    assert not a.lookup(TEXT, clock.now() - dt.timedelta(minutes=1))  # why the worker waits `settle` seconds
    assert a.settle >= 60


def test_the_control_api_over_http(sms_emu):
    fault = requests.post(sms_emu.url + "/_emulator/faults", json={"kind": "throttle", "provider": "tencent"}, timeout=5)
    assert fault.status_code == 200 and fault.json()["fault"]["kind"] == "throttle"
    assert requests.post(sms_emu.url + "/_emulator/faults", json={"kind": "nonsense"}, timeout=5).status_code == 400
    adapter("aliyun", sms_emu).send(TEXT)  # the fault is Tencent's only
    with pytest.raises(SmsError):
        adapter("tencent", sms_emu).send(TEXT)
    assert requests.get(sms_emu.url + "/_emulator/stats", timeout=5).json()["requests"] == {
        "aliyun.SendSms": 1, "tencent.SendSms": 1}
    assert requests.delete(sms_emu.url + "/_messages", timeout=5).ok and sms_emu.messages() == []


def test_runs_as_its_own_process_on_a_free_port():
    proc = subprocess.Popen([sys.executable, "-m", "tests.sms_emulator", "--port", "0", "--key", "id1:secret1"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        endpoint = line.split("SMS_ENDPOINT=")[1].rstrip(")\n")
        assert requests.get(f"http://{endpoint}/_emulator/health", timeout=5).json()["ok"]
        assert adapter("tencent", type("Emu", (), {"endpoint": endpoint}), "secret1", "id1").send(TEXT)
        assert json.loads(requests.get(f"http://{endpoint}/_messages", timeout=5).text)[0]["provider"] == "tencent"
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
        proc.stdout.close()
    assert code == 0


@pytest.mark.parametrize("provider, code, account", [
    ("aliyun", "isv.SMS_SIGNATURE_ILLEGAL", True), ("aliyun", "isv.SMS_TEMPLATE_ILLEGAL", True),
    ("aliyun", "InvalidAccessKeyId.NotFound", True), ("aliyun", "isv.MOBILE_NUMBER_ILLEGAL", False),
    ("tencent", "FailedOperation.SignatureIncorrectOrUnapproved", True),
    ("tencent", "FailedOperation.TemplateIncorrectOrUnapproved", True), ("tencent", "AuthFailure.SecretIdNotFound", True),
    ("tencent", "InvalidParameterValue.IncorrectPhoneNumber", False),
])
def test_the_refuse_fault_answers_any_code_as_the_provider_does(sms_emu, provider, code, account):
    sms_emu.faults.add("refuse", code=code)
    with pytest.raises(SmsError) as caught:
        adapter(provider, sms_emu).send(TEXT)
    assert caught.value.code == code and not caught.value.retryable and caught.value.account is account
    assert sms_emu.messages() == []
    assert adapter(provider, sms_emu).send(TEXT)  # once only (times=1): the next one goes
