"""The photo field of a form: up to 3 photos, counted and weighed with the other fields, decoded only once they passed.

``PhotosMixin``
    Mix into a FlaskForm (``class MyForm(PhotosMixin, FlaskForm)``) to get a ``photos`` field: a
    ``PhotoField`` (WTForms MultipleFileField, up to 3, rendered with ``accept="image/*" multiple``).
    A form that declares its own ``PhotoField`` must still mix this in: its ``validate`` decodes the
    photos (residents/photo_clean.py) once the CSRF token and every other field passed — a photo bomb
    sent with no token or a wrong phone number costs no decoding (issue 18); a bare PhotoField only
    checks number and sizes. Afterwards ``form.photos.prepared`` holds the ``Prepared`` photos (empty
    list when none were chosen) and ``form.photos.chosen`` says whether the request carried any (then a
    re-shown form must say the photos have to be chosen again). The form tag needs
    ``enctype="multipart/form-data"``; ``{% from "_photos_field.html" import photo_field %}``
    ``{{ photo_field(form.photos) }}`` renders label, hint, error and that note. The route takes the
    larger body with views/photo_limit.py's ``accepts_photos``.
"""
from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms.validators import ValidationError

from forms_app.residents.photo_clean import MAX_PHOTOS, check_uploads, decode
from forms_app.residents.photo_decode import PhotoError, Prepared


class Photos:
    """WTForms validator: the number and byte sizes only (no image work); the form decodes once it is valid."""

    def __call__(self, form, field):
        field.prepared, field.uploads = [], []
        try:
            field.uploads = check_uploads(field.data or [])
        except PhotoError as exc:
            raise ValidationError(exc.message) from None


class PhotoField(MultipleFileField):
    """Up to 3 photos; `<input type="file" accept="image/*" multiple>` so WeChat offers the camera."""

    prepared: list[Prepared]

    def __init__(self, label="照片（可不传，最多 3 张）", validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"accept": "image/*", "data-photos": str(MAX_PHOTOS)})
        super().__init__(label, validators=[Photos(), *(validators or [])], **kwargs)
        self.prepared = []

    @property
    def chosen(self) -> bool:
        """Whether this request carried photos (a re-shown form must ask for them again)."""
        return bool(self.data)


class PhotosMixin:
    """Adds `photos` to a FlaskForm, and decodes them only once the CSRF token and every other field passed.

    A photo costs a child process and up to a second of CPU; a request with no token, no cookie or a wrong
    phone number must cost nothing of that (issue 18: a photo bomb before the CSRF check)."""

    photos = PhotoField()  # a form may declare its own (label, field order); this validate() is what matters

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        field = self.photos
        field.prepared = []
        if not valid or not getattr(field, "uploads", None):
            return valid
        try:
            field.prepared = decode([upload.stream.read() for upload in field.uploads])
        except PhotoError as exc:
            field.errors = [*field.errors, exc.message]
            self._errors = None  # Form.errors is cached: let it see this one
            return False
        return True
