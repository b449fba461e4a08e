"""Aliyun Dysmsapi 2017-05-25 (RPC style): SendSms and QuerySendDetails, signatures verified.

The official SDK (alibabacloud-dysmsapi20170525 4.x on alibabacloud-tea-openapi) sends every
parameter in the query string of a POST to `/`, names the action in `x-acs-action`, and signs
with ACS3-HMAC-SHA256 in the Authorization header (canonical request over the method, path, sorted
percent-encoded query, the signed headers and the body's SHA-256). With signature_algorithm='v2'
it uses the older RPC signature (HMAC-SHA1 in a `Signature` parameter); both are checked here.

Business errors (bad number, template not approved, the per-number limit) come back as HTTP 200
with a Code other than "OK", as the real API does; throttling and server trouble as HTTP 4xx/5xx.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import quote

from .state import MOBILE, State, national

ACTIONS = ("SendSms", "QuerySendDetails")
CHINA = dt.timezone(dt.timedelta(hours=8))


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def error(status: int, code: str, message: str) -> tuple[int, dict]:
    """An OpenAPI gateway error body."""
    return status, {"RequestId": _request_id(), "HostId": "dysmsapi.aliyuncs.com", "Code": code, "Message": message,
                    "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Dysmsapi"}


def business(code: str, message: str) -> tuple[int, dict]:
    """A SendSms answer that was processed but refused (HTTP 200)."""
    return 200, {"RequestId": _request_id(), "Code": code, "Message": message}


GATEWAY_STATUS = {"InvalidAccessKeyId.NotFound": 404, "Forbidden.RAM": 403}  # the rest of the gateway's refusals: 400


def refusal(code: str) -> tuple[int, dict]:
    """A refusal with this error code, as the service answers it: business codes (isv./isp.) in an HTTP 200
    body, gateway codes (keys, signatures, RAM) as an HTTP 4xx error."""
    if code.startswith(("isv.", "isp.")):
        return business(code, "emulated refusal")
    return error(GATEWAY_STATUS.get(code, 400), code, "emulated refusal")


THROTTLED = lambda: error(400, "Throttling.User", "Request was denied due to user flow control.")  # noqa: E731
UNAVAILABLE = lambda status=503: error(status, "ServiceUnavailable",  # noqa: E731
                                       "The request has failed due to a temporary failure of the server.")


def _encode(value: str) -> str:
    return quote(value, safe="~", encoding="utf-8")


def verify(state: State, method: str, path: str, params: dict[str, str], headers, body: bytes) -> tuple[int, dict] | None:
    """None if the request is signed with a known key; else the error answer."""
    auth = headers.get("Authorization", "")
    if auth.startswith("ACS3-HMAC-SHA256 "):
        fields = dict(part.split("=", 1) for part in auth[len("ACS3-HMAC-SHA256 "):].split(",") if "=" in part)
        key_id, signed, signature = fields.get("Credential", ""), fields.get("SignedHeaders", ""), fields.get("Signature", "")
        if key_id not in state.keys:
            return error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if hashlib.sha256(body).hexdigest() != headers.get("x-acs-content-sha256", ""):
            return error(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
        names = signed.split(";")
        if not {"host", "x-acs-action", "x-acs-date", "x-acs-signature-nonce"} <= set(names):
            return error(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
        canonical_headers = "".join(f"{n}:{(headers.get(n) or '').strip()}\n" for n in names)
        query = "&".join(f"{k}={_encode(params[k])}" for k in sorted(params))
        canonical = f"{method}\n{path or '/'}\n{query}\n{canonical_headers}\n{signed}\n{headers.get('x-acs-content-sha256')}"
        to_sign = f"ACS3-HMAC-SHA256\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        expected = hmac.new(state.keys[key_id].encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return error(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
        stamp, nonce = headers.get("x-acs-date", ""), headers.get("x-acs-signature-nonce", "")
    elif "Signature" in params:
        key_id = params.get("AccessKeyId", "")
        if key_id not in state.keys:
            return error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        rest = {k: v for k, v in params.items() if k != "Signature"}
        query = "&".join(f"{_encode(k)}={_encode(rest[k])}" for k in sorted(rest))
        to_sign = f"{method}&{_encode('/')}&{_encode(query)}"
        expected = base64.b64encode(hmac.new((state.keys[key_id] + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, params["Signature"]):
            return error(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
        stamp, nonce = params.get("Timestamp", ""), params.get("SignatureNonce", "")
    else:
        return error(400, "MissingSignature", "Signature is mandatory for this action.")
    try:
        sent = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp()
    except ValueError:
        return error(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
    if abs(time.time() - sent) > state.clock_skew:
        return error(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    if not state.fresh_nonce(nonce):
        return error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    return None


def send_sms(state: State, p: dict[str, str]) -> tuple[int, dict]:
    """SendSms: validate like the real service, then 'send' to every number."""
    for name in ("PhoneNumbers", "SignName", "TemplateCode"):
        if not p.get(name):
            return error(400, f"Missing{name}", f"{name} is mandatory for this action.")
    phones = [x.strip() for x in p["PhoneNumbers"].split(",") if x.strip()]
    if not phones or any(not MOBILE.match(national(x.lstrip("+"))) and not MOBILE.match(national(x)) for x in phones):
        return business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
    if p["TemplateCode"] in state.unapproved:
        return business("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
    try:
        params = json.loads(p["TemplateParam"]) if p.get("TemplateParam") else {}
    except ValueError:
        return business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        return business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
    if any(state.sent_today(x) >= state.daily_limit for x in phones):
        return business("isv.BUSINESS_LIMIT_CONTROL", f"触发天级流控Permits:{state.daily_limit}")
    serial = ""
    for phone in phones:
        serial = state.send("aliyun", phone, p["SignName"], p["TemplateCode"], params, p.get("OutId", "")).serial
    return 200, {"RequestId": _request_id(), "Code": "OK", "Message": "OK", "BizId": f"{int(serial[:12], 16)}^0"}


def query_send_details(state: State, p: dict[str, str]) -> tuple[int, dict]:
    """QuerySendDetails: one number's texts on one day (yyyyMMdd), newest first, paged.

    A text shows at once with SendStatus 1 (等待回执) and 3 (发送成功) once its receipt is in.
    """
    for name in ("PhoneNumber", "SendDate", "PageSize", "CurrentPage"):
        if not p.get(name):
            return error(400, f"Missing{name}", f"{name} is mandatory for this action.")
    size, page = int(p["PageSize"]), int(p["CurrentPage"])
    if not 1 <= size <= 50:
        return error(400, "isv.PAGE_SIZE_ILLEGAL", "PageSize 超过限制")
    with state.lock:
        texts = [t for t in state.texts if t.provider == "aliyun" and national(t.phone) == national(p["PhoneNumber"])
                 and dt.datetime.fromtimestamp(t.at, CHINA).strftime("%Y%m%d") == p["SendDate"]]
    texts.sort(key=lambda t: t.at, reverse=True)
    ready = time.time() - state.receipt_delay
    rows = [{"PhoneNum": national(t.phone), "SendStatus": 3 if t.at <= ready else 1,
             "ErrCode": "DELIVERED" if t.at <= ready else "", "TemplateCode": t.template, "OutId": t.tag,
             "Content": f"【{t.sign}】" + "，".join(t.params.values()),
             "SendDate": dt.datetime.fromtimestamp(t.at, CHINA).strftime("%Y-%m-%d %H:%M:%S"),
             "ReceiveDate": dt.datetime.fromtimestamp(t.at, CHINA).strftime("%Y-%m-%d %H:%M:%S") if t.at <= ready else ""}
            for t in texts[(page - 1) * size: page * size]]
    return 200, {"RequestId": _request_id(), "Code": "OK", "Message": "OK", "TotalCount": len(texts),
                 "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows}}


HANDLERS = {"SendSms": send_sms, "QuerySendDetails": query_send_details}
