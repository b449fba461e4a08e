"""Checking and re-encoding one photo — the only code that decodes an uploaded image, run in a child process.

Standalone on purpose (standard library, Pillow and pillow-heif only; nothing from forms_app): the web
worker runs it as a script, ``python -I photo_decode.py MEMORY_MB CPU_SECONDS``, in a fresh process with
an address-space limit (RLIMIT_AS) and a CPU-time limit (RLIMIT_CPU), so a photo that costs too much
kills only that child, and every byte it allocated goes back to the system when it exits
(residents/photo_clean.py ``decode``). The same functions run in-process in the tests and the benchmark.

Before anything is decoded, the header is read and the photo must fit a budget per format
(``over_budget``): decoded bytes width × height × channels for PNG, WebP and HEIC (which decode at full
size), the coefficient buffer for a progressive JPEG (libjpeg keeps every coefficient of the whole image
while decoding it, even in draft mode), and MAX_PIXELS for a baseline JPEG (decoded in draft mode, scaled
by 1/2–1/8 by the decoder itself, so its memory does not grow with its size).

Protocol of the child: on stdin, for each photo a 4-byte big-endian length and its bytes; on stdout, for
each photo in order ``O`` + width, height, length (3 × 4 bytes) + the JPEG, or ``E`` + length + the
Chinese message (UTF-8), after which it stops.
"""
from __future__ import annotations

import io
import math
import re
import struct
import sys
import zlib
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageOps

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is refused, never padded with grey

LONG_SIDE = 1600          # px, the long side of a stored photo
QUALITY = 82
MAX_PIXELS = 64_000_000   # from the header, before decoding: 48/50 MP phone photos pass; below Pillow's 89 MP
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
MB = 1024 * 1024
# Budgets read from the header (see the module docstring). 40 MB decoded: a 10 MP RGBA PNG, a 13 MP RGB
# WebP, a 12 MP iPhone HEIC (4032 × 3024 × 3); 108 MB of coefficients: a 36 MP progressive JPEG (4:2:0).
# With the copies made while turning, flattening and shrinking, each stays under 150 MB peak.
DECODED_BUDGET = {"PNG": 40 * MB, "WEBP": 40 * MB, "HEIF": 40 * MB}
PROGRESSIVE_BUDGET = 108 * MB

_ACTIVE = re.compile(rb"<(?:script|html|svg|iframe|object|embed|body)[\s/>]|<\?php|<!doctype\s+html|javascript:|%PDF-\d", re.I)
_ZIP_END = b"PK\x05\x06"
_SRGB = ImageCms.createProfile("sRGB")

# Refusals. {n}: the photo's number. Each says the photo has to be chosen again (a browser never re-fills a file input).
AGAIN = "请重新选择照片。"
TOO_MANY = "最多传 {max} 张照片，您选了 {count} 张。" + AGAIN
TOO_BIG = "第{n}张照片太大了（超过 {mb} MB）。请换一张照片，重新选择。"
NOT_IMAGE = "第{n}张照片打不开：只能传照片（JPG、PNG、WebP、HEIC 格式）。" + AGAIN
TOO_MANY_PIXELS = "第{n}张照片的像素太多，无法处理。请换一张照片（或先截图、缩小），重新选择。"
TOO_COSTLY = "第{n}张照片处理不了（太大或太复杂）。请换一张照片（或先截图、缩小），重新选择。"
POLYGLOT = "第{n}张照片里夹带了别的内容（文档、网页或压缩包），不能接收。请换一张照片，重新选择。"
TRUNCATED = "第{n}张照片不完整，可能没有传完或已经损坏。" + AGAIN



class PhotoError(ValueError):
    """A refused photo: .message is the Chinese message naming it, .index its number (1-based; 0: all)."""

    def __init__(self, message: str, index: int = 0):
        super().__init__(message)
        self.message, self.index = message, index


@dataclass(frozen=True)
class Prepared:
    """One photo ready to store: a clean JPEG and its size."""

    data: bytes
    width: int
    height: int


def reencode(data: bytes, n: int = 1) -> Prepared:
    """One photo's bytes → a clean upright sRGB JPEG of at most LONG_SIDE px; PhotoError(n) when refused."""
    # Pillow's own check runs here too: over 2 × Image.MAX_IMAGE_PIXELS it raises; between 1 and 2 × it only
    # warns (not turned into an error here: warning filters are process-wide, not per thread) and our lower
    # MAX_PIXELS refuses the photo just below.
    try:
        image = Image.open(io.BytesIO(data), formats=_formats(data))  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(TOO_MANY_PIXELS.format(n=n), n) from None
    except Exception:  # UnidentifiedImageError, or a header the plugin cannot parse
        raise PhotoError(NOT_IMAGE.format(n=n), n) from None
    with image:
        width, height = image.size
        if not width or not height or over_budget(image):
            raise PhotoError(TOO_MANY_PIXELS.format(n=n), n)
        if carries_more(data, image.format):
            raise PhotoError(POLYGLOT.format(n=n), n)
        try:
            return _encode(image)
        except MemoryError:
            raise PhotoError(TOO_COSTLY.format(n=n), n) from None
        except (OSError, SyntaxError, ValueError, EOFError, RuntimeError, zlib.error, IndexError, TypeError):
            raise PhotoError(TRUNCATED.format(n=n), n) from None


def _formats(data: bytes) -> tuple[str, ...]:
    """The formats to try; pillow-heif (a tenth of a second to import) only for what starts like a HEIF file."""
    if data[4:8] != b"ftyp":
        return FORMATS[:-1]
    import pillow_heif
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    return FORMATS


def over_budget(image: Image.Image) -> bool:
    """Whether decoding this opened (header-only) image would cost more than its format's budget."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        return True
    if image.format in ("JPEG", "MPO"):
        if not image.info.get("progressive"):
            return False  # decoded in draft mode: memory does not grow with the size
        return _coefficients(image) > PROGRESSIVE_BUDGET
    channels = len(image.getbands()) + (1 if image.mode == "P" else 0)  # a palette becomes RGBA when flattened
    depth = 2 if "16" in image.mode or image.mode in ("I", "F") else 1
    return width * height * max(channels, 3) * depth > DECODED_BUDGET.get(image.format, 0)


def _coefficients(image: Image.Image) -> int:
    """Bytes of the coefficient buffer libjpeg keeps for a progressive JPEG: 2 bytes per coefficient,
    each component padded to whole 8 × 8 blocks at its own sampling."""
    width, height = image.size
    layers = getattr(image, "layer", None) or [("", 1, 1, 0)] * len(image.getbands())
    h_max, v_max = max(layer[1] for layer in layers), max(layer[2] for layer in layers)
    total = 0
    for _, h, v, _ in layers:
        total += math.ceil(width * h / h_max / 8) * 8 * math.ceil(height * v / v_max / 8) * 8 * 2
    return total


def carries_more(data: bytes, image_format: str) -> bool:
    """Whether the metadata, comments or trailing bytes of an image carry a page, script, PDF or ZIP."""
    meta, trailer = structure(data, image_format)
    return any(_ACTIVE.search(part) for part in (*meta, trailer)) or _ZIP_END in trailer[-65_557:]


def structure(data: bytes, image_format: str) -> tuple[list[bytes], bytes]:
    """(the parts that are not compressed pixels, the bytes after the image's end) of a JPEG, PNG, WebP or HEIF."""
    walk = {"JPEG": _jpeg, "MPO": _jpeg, "PNG": _png, "WEBP": _webp, "HEIF": _bmff}.get(image_format)
    try:
        return walk(data) if walk else ([], b"")
    except (IndexError, ValueError):
        return [], b""  # malformed structure: the decoder will refuse it


def _jpeg(data: bytes) -> tuple[list[bytes], bytes]:
    """Marker segments up to EOI: APPn/COM payloads are metadata; the entropy-coded scans are skipped."""
    meta, at, end = [], 2, len(data)
    while at + 2 <= end:
        if data[at] != 0xFF:
            return meta, b""
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD9:  # EOI
            return meta, data[at + 2:]
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            at += 2
            continue
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            meta.append(data[at + 4:at + 2 + length])
        at += 2 + length
        if marker == 0xDA:  # a scan: skip to the next marker (0xFF not followed by a stuffed 0x00 or a restart)
            while True:
                at = data.find(b"\xff", at)
                if at < 0 or at + 1 >= end:
                    return meta, b""
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    at += 2
                elif following == 0xFF:
                    at += 1
                else:
                    break
    return meta, b""


def _png(data: bytes) -> tuple[list[bytes], bytes]:
    """Chunks up to IEND: everything but IDAT is searched."""
    meta, at = [], 8
    while at + 8 <= len(data):
        length, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        if kind not in (b"IDAT", b"fdAT"):
            meta.append(data[at + 8:at + 8 + length])
        at += 12 + length
        if kind == b"IEND":
            return meta, data[at:]
    return meta, b""


def _webp(data: bytes) -> tuple[list[bytes], bytes]:
    """RIFF chunks: EXIF, XMP, ICC and unknown ones are searched; the RIFF size says where the file ends."""
    riff_end, meta, at = 8 + int.from_bytes(data[4:8], "little"), [], 12
    while at + 8 <= min(riff_end, len(data)):
        kind, length = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "little")
        if kind not in (b"VP8 ", b"VP8L", b"ALPH", b"ANMF"):
            meta.append(data[at + 8:at + 8 + length])
        at += 8 + length + (length & 1)
    return meta, data[riff_end:]


def _bmff(data: bytes) -> tuple[list[bytes], bytes]:
    """HEIF boxes: all but the media data are searched; bytes after the last box are the trailer."""
    meta, at = [], 0
    while at + 8 <= len(data):
        size, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        header = 8
        if size == 1:
            size, header = int.from_bytes(data[at + 8:at + 16], "big"), 16
        elif size == 0:
            size = len(data) - at
        if size < header or at + size > len(data):
            return meta, data[at:]  # not a box that fits: whatever follows the last one
        if kind != b"mdat":
            meta.append(data[at + header:at + size])
        at += size
    return meta, data[at:]


def _encode(image: Image.Image) -> Prepared:
    """Decode (JPEG: in draft mode, scaled by the decoder), turn upright, flatten, sRGB, shrink, save clean."""
    width, height = image.size
    if image.format in ("JPEG", "MPO"):
        scale = LONG_SIDE / max(width, height)
        if scale < 1:  # the decoder picks the smallest 1/2, 1/4, 1/8 that still covers LONG_SIDE
            image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
    image.load()
    icc = image.info.get("icc_profile")
    ImageOps.exif_transpose(image, in_place=True)  # in place: no full-size copy when there is nothing to turn
    rgb = _flatten(image)
    rgb.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.BICUBIC, reducing_gap=3.0)
    if icc:  # e.g. an iPhone's Display P3: converted, so colours stay right once the profile is dropped
        try:
            rgb = ImageCms.profileToProfile(rgb, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, TypeError, ValueError):
            pass  # an unusable profile: keep the pixels as they are
    clean = Image.new("RGB", rgb.size)  # a fresh image: no info, no EXIF, no ICC, nothing carried over
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=QUALITY, optimize=True)
    return Prepared(out.getvalue(), *clean.size)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB; anything transparent is laid on white (a PNG screenshot with see-through parts stays readable)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info) or image.has_transparency_data:
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")  # no copy of what already is RGBA
        white = Image.new("RGB", rgba.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image if image.mode == "RGB" else image.convert("RGB")


# --- the child process ---------------------------------------------------------------------------------

def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def limit(memory_mb: int, cpu_seconds: int) -> None:
    """This process may grow its address space by memory_mb more, and use cpu_seconds of CPU."""
    import resource
    ceiling = _status_kb("VmSize") * 1024 + memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("short input")
    return data


def main(argv: list[str]) -> int:
    """Child: read length-prefixed photos on stdin, answer each on stdout (see the module docstring)."""
    memory_mb, cpu_seconds = int(argv[1]), int(argv[2])
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    # Read everything first (the parent's bytes are already bounded), then set the limits: the budget is for decoding.
    photos = []
    while header := source.read(4):
        photos.append(_read_exactly(source, struct.unpack(">I", header)[0]))
    limit(memory_mb, cpu_seconds)
    for n, data in enumerate(photos, start=1):
        try:
            done = reencode(data, n)
        except PhotoError as exc:
            message = exc.message.encode()
            sink.write(b"E" + struct.pack(">I", len(message)) + message)
            break
        except MemoryError:
            message = TOO_COSTLY.format(n=n).encode()
            sink.write(b"E" + struct.pack(">I", len(message)) + message)
            break
        sink.write(b"O" + struct.pack(">III", done.width, done.height, len(done.data)) + done.data)
        sink.flush()
    sink.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
