"""'在这部手机上提交过的编号' survive WeChat being closed: a signed, long-lived cookie holding only references."""
import re

from itsdangerous import URLSafeSerializer

from forms_app.views import PHONE_REFS_COOKIE, PHONE_REFS_DAYS
from tests.conftest import Forms, reference, text


def refs_cookie(response) -> str:
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(PHONE_REFS_COOKIE + "=")]
    assert len(found) == 1, response.headers.getlist("Set-Cookie")
    return found[0]


def close_wechat(client) -> None:
    """Closing the browser drops its session cookie; cookies with an expiry stay."""
    client.delete_cookie("session")


def test_a_sent_reference_is_kept_in_a_year_long_cookie_holding_nothing_else(app, forms):
    sent = forms.report(contact_name="王阿姨", phone="138 1234 5678")
    header = refs_cookie(sent)
    assert f"Max-Age={PHONE_REFS_DAYS * 86400}" in header and "HttpOnly" in header and "Path=/forms/" in header
    value = header.split(";")[0].split("=", 1)[1]
    ref = reference(forms.client.get(sent.headers["Location"]))
    signer = URLSafeSerializer(app.secret_key, salt="this-phone-refs")
    assert signer.loads(value) == [ref]                                  # the references, and nothing else


def test_after_closing_wechat_the_list_is_still_there_and_the_confirmation_opens(forms):
    first = reference(forms.client.get(forms.report().headers["Location"]))
    second = reference(forms.client.get(forms.signup(forms_session(forms)).headers["Location"]))
    close_wechat(forms.client)
    body = text(forms.client.get("/forms/status"))
    shown = re.findall(r'<span class="nowrap ref-digits">([^<]+)</span>', body)
    assert [s.replace(" ", "") for s in shown] == [second, first]        # newest first
    assert forms.client.get(f"/forms/report/done/{first}").status_code == 200


def test_a_forged_or_foreign_cookie_counts_for_nothing(app, forms):
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    stranger = app.test_client()
    stranger.set_cookie(PHONE_REFS_COOKIE, f'["{ref}"]', path="/forms/")
    assert stranger.get(f"/forms/report/done/{ref}").status_code == 303          # not this phone's: the look-up
    assert "sent-refs" not in text(stranger.get("/forms/status"))


def forms_session(forms: Forms) -> str:
    return re.search(r'name="session"[^>]*value="([^"]+)"', text(forms.client.get("/forms/reception"))).group(1)
