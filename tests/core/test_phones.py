import pytest

from forms_app.core.phones import PhoneError, display_phone, normalise_phone


@pytest.mark.parametrize("raw, e164, display", [
    ("13812345678", "+8613812345678", "138 1234 5678"),
    ("138 1234 5678", "+8613812345678", "138 1234 5678"),
    ("138-1234-5678", "+8613812345678", "138 1234 5678"),
    ("１３８１２３４５６７８", "+8613812345678", "138 1234 5678"),       # full-width digits
    ("１３８－１２３４－５６７８", "+8613812345678", "138 1234 5678"),   # full-width dashes
    ("+86 138 1234 5678", "+8613812345678", "138 1234 5678"),
    ("0086 13812345678", "+8613812345678", "138 1234 5678"),
    ("021-6543 0001", "+862165430001", "021 6543 0001"),
    ("(021)65430001", "+862165430001", "021 6543 0001"),
    ("6543 0001", "+862165430001", "021 6543 0001"),                    # Shanghai landline without 021
])
def test_accepts_what_residents_type(raw, e164, display):
    phone = normalise_phone(raw)
    assert (phone.e164, phone.display) == (e164, display)


@pytest.mark.parametrize("raw", [
    "", "   ", "12345", "1381234567", "138123456789", "abc", "138 1234 567x",
    "010 6543 0001",      # a Beijing landline: not a Shanghai number
    "23812345678",        # 11 digits that are not a mobile
    "=13812345678",
])
def test_rejects_anything_else(raw):
    with pytest.raises(PhoneError):
        normalise_phone(raw)


def test_last4_comes_from_the_normalised_number():
    assert normalise_phone("１３８ １２３４ ５６７８").last4 == "5678"


@pytest.mark.parametrize("raw, shown", [
    ("+8613812345678", "138 1234 5678"),     # a stored mobile (the shared table's 50,000 rows: no parsing)
    ("+862165430001", "021 6543 0001"),      # a stored landline
    ("021-5555 0100", "021 5555 0100"),      # the office's number as the data file writes it
    ("", ""),
    ("12345", "12345"),                      # not a number we know: as written
    ("=13812345678", "=13812345678"),
])
def test_one_formatter_shows_every_number_as_people_read_it(raw, shown):
    assert display_phone(raw) == shown
