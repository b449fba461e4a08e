"""A local emulator of the two SMS providers' HTTP APIs (Aliyun Dysmsapi 2017-05-25, Tencent Cloud SMS
2021-01-11), for tests and demos: `python -m tests.sms_emulator --port N`.

It verifies each request's signature with the configured key secret, answers with the providers'
documented success and error bodies, injects faults (throttling, 5xx, slow answers, lost answers)
and lists what it received at `GET /_messages`. Like the real providers it does NOT de-duplicate:
a SendSms that arrives twice sends two texts. See README.md next to this file.
"""
from .server import SmsEmulator, start_emulator

__all__ = ["SmsEmulator", "start_emulator"]
