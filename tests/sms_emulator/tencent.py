"""Tencent Cloud SMS 2021-01-11: SendSms and PullSmsSendStatusByPhoneNumber, TC3-HMAC-SHA256 verified.

The official SDK (tencentcloud-sdk-python-sms) POSTs JSON to `/` with the action in `X-TC-Action`
and signs content-type and host with TC3-HMAC-SHA256 (key derived from the secret, the UTC date and
the service `sms`). Errors of the whole request come back as HTTP 200 with Response.Error; each
number's own result (sent, bad number, its daily limit) is in Response.SendStatusSet.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import uuid

from .state import MOBILE, State, national

ACTIONS = ("SendSms", "PullSmsSendStatusByPhoneNumber")
SERVICE = "sms"


def _request_id() -> str:
    return str(uuid.uuid4())


def error(code: str, message: str) -> tuple[int, dict]:
    """A whole-request error (HTTP 200, Response.Error)."""
    return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": _request_id()}}


PER_NUMBER = ("InvalidParameterValue.IncorrectPhoneNumber", "LimitExceeded.", "FailedOperation.PhoneNumberInBlacklist")


def refusal(code: str, params: dict | None = None) -> tuple[int, dict]:
    """A refusal with this error code, as the service answers it: a number's own result in SendStatusSet
    (bad number, its limits, blacklist), anything else (keys, signature, template, balance) in Response.Error."""
    if code.startswith(PER_NUMBER):
        phones = (params or {}).get("PhoneNumberSet") or [""]
        return 200, {"Response": {"SendStatusSet": [
            {"PhoneNumber": p, "SessionContext": (params or {}).get("SessionContext", ""), "IsoCode": "CN",
             "SerialNo": "", "Fee": 0, "Code": code, "Message": "emulated refusal"} for p in phones],
            "RequestId": _request_id()}}
    return error(code, "emulated refusal")


THROTTLED = lambda: error("RequestLimitExceeded", "请求的次数超过了频率限制。")  # noqa: E731
GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def verify(state: State, method: str, headers, body: bytes) -> tuple[int, dict] | None:
    """None if the request carries a valid TC3-HMAC-SHA256 signature; else the error answer."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("TC3-HMAC-SHA256 "):
        return error("AuthFailure.SignatureFailure", "请求签名验证失败，请检查您的签名计算是否正确。")
    fields = dict(part.strip().split("=", 1) for part in auth[len("TC3-HMAC-SHA256 "):].split(",") if "=" in part)
    try:
        key_id, date, service, terminator = fields["Credential"].split("/")
        signed, signature = fields["SignedHeaders"], fields["Signature"]
        stamp = int(headers.get("X-TC-Timestamp", ""))
    except (KeyError, ValueError):
        return error("AuthFailure.SignatureFailure", "请求签名验证失败，请检查您的签名计算是否正确。")
    if key_id not in state.keys:
        return error("AuthFailure.SecretIdNotFound", "密钥不存在。请在控制台检查密钥是否已被删除或者禁用。")
    if abs(time.time() - stamp) > 300:
        return error("AuthFailure.SignatureExpire", "签名过期。Timestamp 和服务器时间相差不得超过五分钟。")
    if service != SERVICE or terminator != "tc3_request" or \
            date != dt.datetime.fromtimestamp(stamp, dt.timezone.utc).strftime("%Y-%m-%d"):
        return error("AuthFailure.SignatureFailure", "请求签名验证失败，请检查您的签名计算是否正确。")
    names = signed.split(";")
    canonical_headers = "".join(f"{n}:{(headers.get(n) or '').strip()}\n" for n in names)
    canonical = f"{method}\n/\n\n{canonical_headers}\n{signed}\n{hashlib.sha256(body).hexdigest()}"
    scope = f"{date}/{SERVICE}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(("TC3" + state.keys[key_id]).encode(), date), SERVICE), "tc3_request")
    if "content-type" not in names or "host" not in names or \
            not hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), signature):
        return error("AuthFailure.SignatureFailure", "请求签名验证失败，请检查您的签名计算是否正确。")
    return None


def parse(body: bytes) -> dict | None:
    """The JSON parameters, or None."""
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        return None
    return params if isinstance(params, dict) else None


def send_sms(state: State, p: dict) -> tuple[int, dict]:
    """SendSms: every number gets its own status in SendStatusSet."""
    for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
        if not p.get(name):
            return error("MissingParameter", f"缺少参数错误。The parameter `{name}` is missing.")
    if p["TemplateId"] in state.unapproved:
        return error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或请求的内容与审核通过的模板内容不匹配。")
    params = p.get("TemplateParamSet") or []
    if not isinstance(params, list) or not all(isinstance(v, str) for v in params):
        return error("InvalidParameterValue.TemplateParameterFormatError", "验证码模板参数格式错误。")
    statuses = []
    for phone in p["PhoneNumberSet"]:
        base = {"PhoneNumber": phone, "SessionContext": p.get("SessionContext", ""), "IsoCode": "CN"}
        if not MOBILE.match(national(phone)):
            statuses.append({**base, "SerialNo": "", "Fee": 0, "Code": "InvalidParameterValue.IncorrectPhoneNumber",
                             "Message": "手机号格式错误", "IsoCode": "DEF"})
        elif state.sent_today(phone) >= state.daily_limit:
            statuses.append({**base, "SerialNo": "", "Fee": 0, "Code": "LimitExceeded.PhoneNumberDailyLimit",
                             "Message": "单个手机号日下发短信条数超过设定的上限"})
        else:
            text = state.send("tencent", phone, p.get("SignName", ""), p["TemplateId"], params, p.get("SessionContext", ""))
            statuses.append({**base, "SerialNo": f"5000:{int(text.serial, 16)}", "Fee": 1, "Code": "Ok",
                             "Message": "send success"})
    return 200, {"Response": {"SendStatusSet": statuses, "RequestId": _request_id()}}


def pull_status(state: State, p: dict) -> tuple[int, dict]:
    """PullSmsSendStatusByPhoneNumber: the status reports that have come in for one number."""
    for name in ("BeginTime", "Limit", "PhoneNumber", "SmsSdkAppId"):
        if p.get(name) in (None, ""):
            return error("MissingParameter", f"缺少参数错误。The parameter `{name}` is missing.")
    end = p.get("EndTime") or time.time()
    texts = [t for t in state.receipts("tencent", p["PhoneNumber"]) if p["BeginTime"] <= t.at <= end + 1]
    rows = [{"UserReceiveTime": int(t.at) + int(state.receipt_delay), "CountryCode": "86",
             "SubscriberNumber": national(t.phone), "PhoneNumber": "+86" + national(t.phone),
             "SerialNo": f"5000:{int(t.serial, 16)}", "ReportStatus": "SUCCESS", "Description": "用户接收成功",
             "SessionContext": t.tag} for t in texts[: int(p["Limit"])]]
    return 200, {"Response": {"PullSmsSendStatusSet": rows, "RequestId": _request_id()}}


HANDLERS = {"SendSms": send_sms, "PullSmsSendStatusByPhoneNumber": pull_status}
