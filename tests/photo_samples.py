"""Photos made on the spot for the tests: real JPEG/PNG/WebP/HEIC files, with and without trouble."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pillow_heif
from PIL import Image, ImageDraw

pillow_heif.register_heif_opener()

# Upright reference picture: four coloured quadrants, wider than tall.
QUADRANTS = {"top_left": (220, 30, 30), "top_right": (30, 160, 30), "bottom_left": (30, 30, 220), "bottom_right": (240, 220, 20)}
# What exif_transpose does for each orientation (EXIF 2.3); storing the inverse makes a picture that
# shows upright only when the orientation is honoured.
_INVERSE = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_270}


def quadrants(width: int = 240, height: int = 120) -> Image.Image:
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    w, h = width // 2, height // 2
    draw.rectangle((0, 0, w - 1, h - 1), fill=QUADRANTS["top_left"])
    draw.rectangle((w, 0, width, h - 1), fill=QUADRANTS["top_right"])
    draw.rectangle((0, h, w - 1, height), fill=QUADRANTS["bottom_left"])
    draw.rectangle((w, h, width, height), fill=QUADRANTS["bottom_right"])
    return image


def noise(width: int, height: int) -> Image.Image:
    """A picture that compresses like a photo (not a flat colour)."""
    import os
    return Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).resize((width, height))


def jpeg(image: Image.Image | None = None, **save) -> bytes:
    out = io.BytesIO()
    (image or quadrants()).save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def oriented_jpeg(orientation: int) -> bytes:
    """The quadrant picture stored so that it is upright only with this EXIF orientation applied."""
    image = quadrants()
    if _INVERSE[orientation] is not None:
        image = image.transpose(_INVERSE[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    return jpeg(image, exif=exif.tobytes())


GPS = {1: "N", 2: (31.0, 16.0, 48.5), 3: "E", 4: (121.0, 31.0, 12.25), 5: 0, 6: 12.0}


def gps_jpeg() -> bytes:
    """A phone-like JPEG: GPS position, camera make/model, XMP, an ICC profile, a comment."""
    from PIL import ImageCms
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = "PhoneMaker", "Phone 15", "Camera 1.0"
    exif[0x8825] = GPS
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="31,16.8N"/></rdf:RDF></x:xmpmeta>')
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return jpeg(noise(400, 300), exif=exif.tobytes(), xmp=xmp, icc_profile=icc, comment=b"Shot at home 31.28N 121.52E")


def png_transparent() -> bytes:
    """A PNG whose left half is fully transparent (and whose hidden colour there is black)."""
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((100, 0, 199, 99), fill=(200, 20, 20, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    quadrants().save(out, "WEBP", quality=80)
    return out.getvalue()


def heic() -> bytes:
    out = io.BytesIO()
    quadrants(320, 160).save(out, "HEIF", quality=80)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height (a decompression bomb's header)."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = 8  # after the signature: length(4) 'IHDR'(4) data(13) crc(4)
    data[ihdr + 8:ihdr + 16] = struct.pack(">II", width, height)
    data[ihdr + 21:ihdr + 25] = struct.pack(">I", zlib.crc32(bytes(data[ihdr + 4:ihdr + 21])))
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims width × height."""
    data = bytearray(jpeg(Image.new("RGB", (16, 16), "white")))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hidden cargo")
    return out.getvalue()


def png_bomb(width: int = 8000, height: int = 8000) -> bytes:
    """One-colour RGBA of width × height: a few hundred KB that decodes to width × height × 4 bytes (issue 18.2)."""
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 20, 30, 255)).save(out, "PNG")
    return out.getvalue()


def progressive_jpeg_claiming(width: int, height: int, subsampling: int = 2) -> bytes:
    """A small progressive JPEG whose frame header claims width × height."""
    data = bytearray(jpeg(Image.new("RGB", (16, 16), "white"), progressive=True, subsampling=subsampling))
    sof = data.index(b"\xff\xc2")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)
