"""Chinese error pages for every status a resident can meet; never a stack trace."""
from __future__ import annotations

import logging
import traceback

from flask import current_app, render_template, request
from forms_app.core.phones import normalise_phone
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("请求有问题", "页面信息不完整。请返回上一页，刷新后再试一次。"),
    403: ("不能访问", "这个页面不能打开。请返回首页。"),
    404: ("没有找到这个页面", "地址可能输错了，或者页面已经搬走。请从首页重新进入。"),
    405: ("操作方式不对", "请从页面上的按钮进入，不要直接输入地址。"),
    413: ("内容太多了", "一次提交的内容太多。请把说明写短一些；带照片的话，最多 3 张，每张不超过 10 MB。再提交一次。"),
    409: ("已经办过了", "这件事刚才已经提交过了，不用再提交。请返回上一页看看。"),
    414: ("地址太长了", "这个网址太长，打不开。请从首页重新进入。"),
    415: ("提交方式不对", "请在页面上填写表格后，点按钮提交。"),
    429: ("操作太频繁了", "您短时间内提交了很多次。请休息几分钟再试。"),
    500: ("系统出了点问题", "不是您的错。请过几分钟再试。"),
    503: ("现在人多", "现在人多，请过一会儿再试。"),
}


def call_contact() -> dict | None:
    """The number on every error page: the compound's steward when the address names one, else the office.

    Read from the loaded directory without importing the views; None if even that is unavailable."""
    try:
        directory = current_app.extensions["directory"]
        compound = directory.compounds.get(request.args.get("compound", "")) if request else None
        if compound is not None:
            return {"name": f"大管家{compound.steward.name}", "phone": compound.steward.phone}
        office = directory.street.get("office") or {}
        return {"name": office.get("name", "大管家事务所"), "phone": normalise_phone(str(office.get("phone", ""))).display}
    except Exception:  # noqa: BLE001 - an error page must render whatever else is broken
        return None


def render_error(code: int):
    """The page for one status code, in Chinese, with a number to call."""
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("error.html", title=title, text=text, code=code, call=call_contact()), code


def _http_error(exc: HTTPException):
    """Known HTTP errors: show our page with the same status."""
    return render_error(exc.code or 500)


def _unexpected(exc: Exception):
    """Anything else: log it (no request body, so no personal data) and show the 500 page."""
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    # Where it happened, not what it said: an exception's message can quote what a resident typed.
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    log.error("unhandled error: %s at %s", type(exc).__name__,
              " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames)) or "?")
    return render_error(InternalServerError.code)


def init_app(app) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
