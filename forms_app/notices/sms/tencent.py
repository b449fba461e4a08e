"""Tencent Cloud SMS (API 2021-01-11) through the official SDK, tencentcloud-sdk-python-sms, unmodified.

Only the endpoint changes (SMS_ENDPOINT). The SDK signs with TC3-HMAC-SHA256. SendSms raises for a
refused request (RequestLimitExceeded, AuthFailure…, FailedOperation.TemplateIncorrectOrUnapproved)
and answers each number's own result in SendStatusSet (Code "Ok", or e.g.
InvalidParameterValue.IncorrectPhoneNumber, LimitExceeded.PhoneNumberDailyLimit). SessionContext
carries our outbox item id and comes back in the status reports that
PullSmsSendStatusByPhoneNumber lists, so a text whose answer was lost can be found there.
Status reports arrive after the carrier answers (seconds to minutes), so a look-up is trusted only
`settle` seconds after the uncertain send.
"""
from __future__ import annotations

import datetime as dt
import time

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from forms_app.notices.sms import SmsError, Text, endpoint

HOST = "sms.tencentcloudapi.com"
REGION = "ap-guangzhou"  # mainland SMS is served from Guangzhou
# Refusals about our account or settings (the SDK's sms/v20210111/errorcodes.py and the API's common
# error codes): every text would meet them, so none is retried and the office is told (account=True).
ACCOUNT = {
    "FailedOperation.TemplateIncorrectOrUnapproved": "模板未审核通过或内容不匹配",
    "FailedOperation.SignatureIncorrectOrUnapproved": "签名未审核通过",
    "FailedOperation.InsufficientBalanceInSmsPackage": "套餐包余量不足",
    "AuthFailure.SecretIdNotFound": "SecretId 不存在或已停用",
    "AuthFailure.InvalidSecretId": "SecretId 不对",
    "AuthFailure.SignatureFailure": "SecretKey 不对",
    "AuthFailure.UnauthorizedOperation": "密钥没有短信权限",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": "SMS_SDK_APP_ID 不对",
    "UnauthorizedOperation.SdkAppIdIsDisabled": "短信应用已停用",
    "UnauthorizedOperation.ServiceSuspendDueToArrears": "欠费停止服务",
    "UnauthorizedOperation.RequestPermissionDeny": "请求没有权限",
    "UnauthorizedOperation.RequestIpNotInWhitelist": "服务器地址不在短信白名单里",
}
PERMANENT = {
    **ACCOUNT,
    "InvalidParameterValue.IncorrectPhoneNumber": "号码无效",
    "FailedOperation.PhoneNumberInBlacklist": "号码在黑名单里（用户退订或投诉过）",
    "FailedOperation.MissingTemplateToModify": "模板不存在",
    "FailedOperation.ContainSensitiveWord": "内容含敏感词",
    "InvalidParameterValue.TemplateParameterFormatError": "模板变量格式不对",
    "InvalidParameterValue.TemplateParameterLengthLimit": "变量超过长度限制",
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": "变量里不能有网址",
    "LimitExceeded.PhoneNumberDailyLimit": "这个号码今天收到的短信已达腾讯云的上限",
}


class TencentSms:
    name = "tencent"
    settle = 300.0  # status reports usually arrive within a minute; wait longer before trusting "not found"

    @classmethod
    def from_config(cls, config, timeout: float) -> "TencentSms":
        return cls(config["SMS_ACCESS_KEY_ID"], config["SMS_ACCESS_KEY_SECRET"], config["SMS_SIGN_NAME"],
                   config["SMS_SDK_APP_ID"], config.get("SMS_ENDPOINT", ""), timeout=timeout)

    def __init__(self, key_id: str, secret: str, sign_name: str, app_id: str, endpoint_setting: str = "", *,
                 timeout: float = 10.0, settle: float | None = None):
        host, scheme = endpoint(endpoint_setting, HOST)
        profile = ClientProfile(httpProfile=HttpProfile(endpoint=host, protocol=scheme, reqTimeout=max(1, round(timeout))))
        self.client = sms_client.SmsClient(credential.Credential(key_id, secret), REGION, profile)
        self.sign_name, self.app_id = sign_name, app_id
        if settle is not None:
            self.settle = settle

    def _call(self, action: str, request):
        try:
            return getattr(self.client, action)(request)
        except TencentCloudSDKException as exc:
            code, message = exc.get_code() or "", str(exc.get_message() or "")
            if code in PERMANENT:
                raise SmsError(f"腾讯云拒绝：{PERMANENT[code]}（{code}）", code=code, retryable=False,
                               account=code in ACCOUNT) from None
            if code == "ClientNetworkError":
                refused = "refused" in message.lower() or "NewConnectionError" in message
                raise SmsError(f"腾讯云连接失败：{'连不上' if refused else '超时或断开'}", code="network",
                               ambiguous=not refused) from None
            # ServerNetworkError (a non-200 answer) and InternalError*: the text may have gone out.
            ambiguous = code == "ServerNetworkError" or code.startswith("InternalError")
            raise SmsError(f"腾讯云 {code}", code=code, ambiguous=ambiguous) from None

    def send(self, text: Text) -> str:
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [text.phone]
        request.SmsSdkAppId, request.SignName, request.TemplateId = self.app_id, self.sign_name, text.template
        request.TemplateParamSet = [value for _, value in text.params]
        request.SessionContext = text.tag
        response = self._call("SendSms", request)
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            raise SmsError("腾讯云没有返回发送结果", code="empty", ambiguous=True)
        if status.Code == "Ok":
            return status.SerialNo or ""
        if status.Code in PERMANENT:
            raise SmsError(f"腾讯云拒绝：{PERMANENT[status.Code]}（{status.Code}）", code=status.Code, retryable=False,
                           account=status.Code in ACCOUNT)
        # LimitExceeded.PhoneNumberThirtySecondLimit / OneHourLimit, InsufficientBalance…: later
        raise SmsError(f"腾讯云暂不发送：{status.Code}", code=status.Code or "unknown")

    def lookup(self, text: Text, since: dt.datetime) -> bool:
        request = models.PullSmsSendStatusByPhoneNumberRequest()
        request.BeginTime, request.EndTime = int(since.timestamp()) - 60, int(time.time()) + 60
        request.Offset, request.Limit = 0, 100
        request.PhoneNumber, request.SmsSdkAppId = text.phone, self.app_id
        response = self._call("PullSmsSendStatusByPhoneNumber", request)
        return any(s.SessionContext == text.tag for s in response.PullSmsSendStatusSet or [])
