"""Aliyun SMS (Dysmsapi 2017-05-25) through the official SDK, alibabacloud-dysmsapi20170525, unmodified.

Only the endpoint changes (SMS_ENDPOINT: a relay, or the test emulator). The SDK signs with
ACS3-HMAC-SHA256 and does not retry on its own; the worker retries. SendSms answers HTTP 200 with
Code "OK", or with another Code for a refused text (e.g. isv.MOBILE_NUMBER_ILLEGAL); throttling
and server trouble raise. OutId carries our outbox item id; QuerySendDetails lists a number's texts
of a day with their OutId, so a text whose answer was lost can be found instead of sent again.
"""
from __future__ import annotations

import datetime as dt
import json

from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from darabonba.runtime import RuntimeOptions
from Tea.exceptions import TeaException

from forms_app.core import clock
from forms_app.notices.sms import SmsError, Text, endpoint

HOST = "dysmsapi.aliyuncs.com"
# Refusals about this very text: sending it again cannot help (give up, note it on the case).
# Refusals about our account or settings (the Dysmsapi error-code list and the OpenAPI gateway's
# common codes): every text would meet them, so none is retried and the office is told (account=True).
ACCOUNT = {
    "isv.SMS_TEMPLATE_ILLEGAL": "模板未审核通过或不存在",
    "isv.SMS_SIGNATURE_ILLEGAL": "签名未审核通过或不存在",
    "isv.SMS_SIGN_ILLEGAL": "签名不可用",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": "签名和模板的类型不匹配",
    "isp.RAM_PERMISSION_DENY": "AccessKey 没有短信权限",
    "isv.ACCOUNT_NOT_EXISTS": "账号不存在",
    "isv.ACCOUNT_ABNORMAL": "账号异常",
    "isv.OUT_OF_SERVICE": "业务停机（余额不足）",
    "isv.AMOUNT_NOT_ENOUGH": "账户余额不足",
    "isv.PRODUCT_UN_SUBSCRIPT": "没有开通短信服务",
    "isv.PRODUCT_UNSUBSCRIBE": "没有开通短信服务",
    "InvalidAccessKeyId.NotFound": "AccessKey ID 不存在",
    "InvalidAccessKeyId.Inactive": "AccessKey 已停用",
    "SignatureDoesNotMatch": "AccessKey Secret 不对",
    "IncompleteSignature": "请求签名不完整",
    "Forbidden.RAM": "AccessKey 没有短信权限",
}
PERMANENT = {
    **ACCOUNT,
    "isv.MOBILE_NUMBER_ILLEGAL": "号码无效",
    "isv.TEMPLATE_MISSING_PARAMETERS": "模板变量缺少",
    "isv.TEMPLATE_PARAMS_ILLEGAL": "模板变量不合规",
    "isv.INVALID_JSON_PARAM": "模板变量格式不对",
    "isv.INVALID_PARAMETERS": "参数不对",
    "isv.PARAM_LENGTH_LIMIT": "变量超过长度限制",
    "isv.BLACK_KEY_CONTROL_LIMIT": "内容含禁止的词",
    "isv.SMS_CONTENT_ILLEGAL": "内容不合规",
    "isv.MOBILE_COUNT_OVER_LIMIT": "号码太多",
    "isv.DENY_IP_RANGE": "号码被运营商或用户拒收",
}


class AliyunSms:
    name = "aliyun"
    settle = 60.0  # a submitted text is in QuerySendDetails at once (SendStatus 1, 等待回执); a minute of margin

    @classmethod
    def from_config(cls, config, timeout: float) -> "AliyunSms":
        return cls(config["SMS_ACCESS_KEY_ID"], config["SMS_ACCESS_KEY_SECRET"], config["SMS_SIGN_NAME"],
                   config.get("SMS_ENDPOINT", ""), timeout=timeout)

    def __init__(self, key_id: str, secret: str, sign_name: str, endpoint_setting: str = "", *,
                 timeout: float = 10.0, settle: float | None = None):
        host, scheme = endpoint(endpoint_setting, HOST)
        self.client = Client(openapi_models.Config(
            access_key_id=key_id, access_key_secret=secret, endpoint=host, protocol=scheme.upper(),
            connect_timeout=int(timeout * 1000), read_timeout=int(timeout * 1000)))
        self.sign_name = sign_name
        self.timeout_ms = int(timeout * 1000)
        if settle is not None:
            self.settle = settle

    def _runtime(self) -> RuntimeOptions:
        return RuntimeOptions(autoretry=False, read_timeout=self.timeout_ms, connect_timeout=self.timeout_ms)

    def _call(self, method, request):
        """Run one SDK call; every failure becomes an SmsError."""
        try:
            return method(request, self._runtime()).body
        except AlibabaCloudException as exc:
            status = getattr(exc, "status_code", 0) or 0
            code = getattr(exc, "code", "") or ""
            if code in ACCOUNT:
                raise SmsError(f"阿里云拒绝：{ACCOUNT[code]}（{code}）", code=code, account=True) from None
            # 5xx: the service may have taken the text before failing; 4xx (throttling, keys): it did not.
            raise SmsError(f"阿里云 {status} {code}", code=code, retryable=True, ambiguous=status >= 500) from None
        except TeaException as exc:  # network: refused before sending, or timed out / cut after
            text = str(getattr(exc, "message", "") or exc)
            refused = "refused" in text.lower() or "NewConnectionError" in text or "Name or service" in text
            raise SmsError(f"阿里云连接失败：{'连不上' if refused else '超时或断开'}", code="network",
                           ambiguous=not refused) from None

    def send(self, text: Text) -> str:
        body = self._call(self.client.send_sms_with_options, models.SendSmsRequest(
            phone_numbers=text.phone.removeprefix("+86"), sign_name=self.sign_name, template_code=text.template,
            template_param=json.dumps(dict(text.params), ensure_ascii=False), out_id=text.tag))
        if body.code == "OK":
            return body.biz_id or ""
        if body.code in PERMANENT:
            raise SmsError(f"阿里云拒绝：{PERMANENT[body.code]}（{body.code}）", code=body.code, retryable=False,
                           account=body.code in ACCOUNT)
        # isv.BUSINESS_LIMIT_CONTROL (per-number flow control), isv.DAY_LIMIT_CONTROL…: later
        raise SmsError(f"阿里云暂不发送：{body.code}", code=body.code or "unknown")

    def lookup(self, text: Text, since: dt.datetime) -> bool:
        day, today = since.astimezone(clock.SHANGHAI).date(), clock.now().date()
        while day <= today:
            page = 1
            while True:
                body = self._call(self.client.query_send_details_with_options, models.QuerySendDetailsRequest(
                    phone_number=text.phone.removeprefix("+86"), send_date=day.strftime("%Y%m%d"),
                    page_size=50, current_page=page))
                if body.code != "OK":
                    raise SmsError(f"阿里云查询失败：{body.code}", code=body.code or "unknown")
                rows = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
                if any(r.out_id == text.tag for r in rows or []):
                    return True
                if not rows or page * 50 >= int(body.total_count or 0):
                    break
                page += 1
            day += dt.timedelta(days=1)
        return False
