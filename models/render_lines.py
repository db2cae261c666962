"""Synthetic MRZ text-line renderer and real-crop augmenter for the kyc-ocr line recogniser.

Everything here is numpy / PIL / OpenCV only (no torch), so it can run in a data worker.
All randomness comes from the `rng` (numpy Generator) passed in, so a fixed seed gives fixed data.

Output of `render_line` / `augment_real`: uint8 greyscale image, height 32 (dark text on light
background), width proportional to the crop's aspect ratio, plus the ground-truth text.
"""
import math
import os

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

cv2.setNumThreads(1)

ALPHABET = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
HEIGHT = 32
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONT_PATH = os.path.join(REPO_ROOT, "crates", "kyc-ocr-synth", "fonts", "OCRB.otf")

# OCR-B metrics measured at size 100: cap height ~71 px, advance 72.3 px, ink top at y~23.
_CAP = 0.71
_ADV = 0.723
_TOP = 0.23

# Alternative font for the occasional non-OCR-B MRZ (specimens, badly printed cards): DejaVu Sans,
# cap height 0.73 em, ink top at 0.20 em, mean advance ~0.75 em.
ALT_FONT_PATH = os.path.join(REPO_ROOT, "crates", "kyc-ocr-synth", "fonts", "DejaVuSans.ttf")
_ALT = (0.73, 0.75, 0.20)

# Other typefaces of real MRZs that are not OCR-B: specimens and cards printed in Helvetica, Arial,
# Courier, Times or a bold condensed sans, and OCR-B's own sharp and oblique cuts. Used where
# installed (Debian: fonts-ocr-b fonts-dejavu-core fonts-liberation2 fonts-freefont-ttf
# fonts-urw-base35 fonts-croscore); `alt_fonts()` lists what this machine has.
_ALT_CANDIDATES = [
    "/usr/share/fonts/opentype/ocr-b/OCRBS.otf",
    "/usr/share/fonts/opentype/ocr-b/OCRBL.otf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSansNarrow-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSansNarrow-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
    "/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSerifBold.ttf",
    "/usr/share/fonts/truetype/croscore/Arimo-Regular.ttf",
    "/usr/share/fonts/truetype/croscore/Arimo-Bold.ttf",
    "/usr/share/fonts/truetype/croscore/Cousine-Regular.ttf",
    "/usr/share/fonts/truetype/croscore/Cousine-Bold.ttf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Regular.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Regular.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Bold.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusRoman-Regular.otf",
    "/usr/share/fonts/opentype/urw-base35/URWGothic-Demi.otf",
    # Added for stage 6 (2026-12-05): more monospaced and condensed sans faces, the shapes printer
    # fonts unlike OCR-B take on the real crops (round 0 like O, narrow bold E/F, M/N/H).
    # apt-get install fonts-b612 fonts-firacode fonts-hack fonts-inconsolata fonts-jetbrains-mono
    #   fonts-noto-mono fonts-roboto-unhinted fonts-go
    "/usr/share/fonts/opentype/b612/B612-Regular.otf",
    "/usr/share/fonts/opentype/b612/B612-Bold.otf",
    "/usr/share/fonts/opentype/b612/B612Mono-Regular.otf",
    "/usr/share/fonts/opentype/b612/B612Mono-Bold.otf",
    "/usr/share/fonts/truetype/firacode/FiraCode-Regular.ttf",
    "/usr/share/fonts/truetype/firacode/FiraCode-Bold.ttf",
    "/usr/share/fonts/truetype/hack/Hack-Regular.ttf",
    "/usr/share/fonts/truetype/hack/Hack-Bold.ttf",
    "/usr/share/fonts/truetype/inconsolata/Inconsolata.otf",
    "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf",
    "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Bold.ttf",
    "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-ExtraBold.ttf",
    "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Light.ttf",
    "/usr/share/fonts/truetype/noto/NotoMono-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Regular.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Medium.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Light.ttf",
    "/usr/share/fonts/fonts-go/Go-Mono.ttf",
    "/usr/share/fonts/fonts-go/Go-Mono-Bold.ttf",
    "/usr/share/fonts/fonts-go/Go-Regular.ttf",
    "/usr/share/fonts/fonts-go/Go-Bold.ttf",
    "/usr/share/fonts/fonts-go/Go-Medium.ttf",
]
_ALT_METRICS = {}


def alt_fonts():
    """The non-OCR-B typefaces available here: the bundled DejaVu Sans and the installed candidates."""
    return [ALT_FONT_PATH] + [p for p in _ALT_CANDIDATES if os.path.exists(p)]


def _alt_metrics(path):
    """(cap height, mean advance, ink top of H) of a font in ems, measured at size 100."""
    m = _ALT_METRICS.get(path)
    if m is None:
        f = ImageFont.truetype(path, 100)
        x0, y0, x1, y1 = f.getbbox("H")
        adv = float(np.mean([f.getlength(c) for c in ALPHABET]))
        m = ((y1 - y0) / 100.0, adv / 100.0, y0 / 100.0)
        _ALT_METRICS[path] = m
    return m

_FONTS = {}


def _font(size, path=FONT_PATH):
    f = _FONTS.get((path, size))
    if f is None:
        f = ImageFont.truetype(path, size)
        _FONTS[(path, size)] = f
    return f


# ----------------------------------------------------------------------------------------------
# Text generation
# ----------------------------------------------------------------------------------------------
COUNTRIES = (
    "UTO D<< FRA GBR CHN USA CAN MEX DEU ITA ESP PRT NLD BEL AUT CHE POL CZE SVK HUN ROU BGR GRC "
    "SWE NOR DNK FIN IRL ISL EST LVA LTU UKR RUS BLR TUR IND PAK BGD JPN KOR PHL VNM THA IDN MYS SGP "
    "AUS NZL BRA ARG CHL COL PER VEN ZAF NGA EGY MAR DZA TUN KEN ETH GHA SAU ARE ISR IRN IRQ LUX MLT "
    "CYP HRV SVN SRB BIH MKD ALB XXA XXB XXC XXX UNO UNA UNK EUE GBD GBN GBO GBP GBS RKS"
).split()
CODES_TD3 = ["P<", "P<", "P<", "PD", "PO", "PS", "PM", "V<", "VA", "VB"]
CODES_ID = ["I<", "ID", "IR", "IT", "IP", "AC", "A<", "C<", "CR", "CA", "IO", "V<"]
SYLL = [
    "AN", "NA", "MA", "RI", "EL", "LE", "OS", "KA", "TO", "MI", "SA", "LO", "VA", "DE", "ER", "IN",
    "ON", "AR", "ST", "SCH", "BR", "CH", "TH", "OV", "EV", "SKI", "WA", "ZH", "JO", "HU", "QU", "YA",
    "GU", "PE", "FI", "BO", "XI", "NG", "EN", "UL", "IC", "KO", "RA", "SE", "TT", "LL", "MU", "DI",
]


def _cd(s):
    w = (7, 3, 1)
    t = 0
    for i, c in enumerate(s):
        if c == "<":
            v = 0
        elif c.isdigit():
            v = ord(c) - 48
        else:
            v = ord(c) - 55
        t += v * w[i % 3]
    return str(t % 10)


def _word(rng, lo=2, hi=12):
    n = int(rng.integers(lo, hi + 1))
    if rng.random() < 0.25:
        return "".join(rng.choice(list(ALPHABET[11:]), n))
    s = ""
    while len(s) < n:
        s += SYLL[int(rng.integers(len(SYLL)))]
    return s[:n]


def _name_field(rng, n):
    parts = [_word(rng, 2, 12)]
    if rng.random() < 0.3:
        parts.append(_word(rng, 2, 9))
    prim = "<".join(parts)
    given = "<".join(_word(rng, 2, 10) for _ in range(int(rng.integers(1, 4))))
    s = prim + "<<" + given if rng.random() < 0.95 else prim
    s = s[:n]
    return s + "<" * (n - len(s))


def _country(rng):
    if rng.random() < 0.15:
        return "".join(rng.choice(list(ALPHABET[11:]), 3))
    return COUNTRIES[int(rng.integers(len(COUNTRIES)))]


def _alnum(rng, n, p_letter=0.35):
    out = []
    for _ in range(n):
        if rng.random() < p_letter:
            out.append(ALPHABET[int(rng.integers(11, 37))])
        else:
            out.append(ALPHABET[int(rng.integers(1, 11))])
    return "".join(out)


def _date(rng):
    y = int(rng.integers(0, 100))
    m = int(rng.integers(1, 13))
    d = int(rng.integers(1, 32))
    s = "%02d%02d%02d" % (y, m, d)
    if rng.random() < 0.03:
        s = s[:2] + "<<<<"
    return s


def _docnum(rng):
    k = int(rng.integers(6, 10))
    s = _alnum(rng, k, p_letter=float(rng.choice([0.0, 0.2, 0.5])))
    return s + "<" * (9 - k)


def _optional(rng, n):
    r = rng.random()
    if r < 0.45:
        return "<" * n
    k = int(rng.integers(1, n + 1))
    s = _alnum(rng, k, p_letter=float(rng.choice([0.0, 0.3, 0.6])))
    return (s + "<" * n)[:n] if rng.random() < 0.8 else ("<" * n + s)[-n:]


def _sex(rng):
    return str(rng.choice(["M", "F", "<", "M", "F", "X"]))


def mrz_td3(rng):
    l1 = CODES_TD3[int(rng.integers(len(CODES_TD3)))] + _country(rng) + _name_field(rng, 39)
    num = _docnum(rng)
    b = _date(rng)
    e = _date(rng)
    pers = _optional(rng, 14)
    pcd = _cd(pers) if (pers != "<" * 14 or rng.random() < 0.5) else "<"
    body = num + _cd(num) + _country(rng) + b + _cd(b) + _sex(rng) + e + _cd(e) + pers + pcd
    comp = _cd(body[0:10] + body[13:20] + body[21:43])
    return [l1, body + comp]


def mrz_td2(rng):
    l1 = CODES_ID[int(rng.integers(len(CODES_ID)))] + _country(rng) + _name_field(rng, 31)
    num = _docnum(rng)
    b = _date(rng)
    e = _date(rng)
    opt = _optional(rng, 7)
    body = num + _cd(num) + _country(rng) + b + _cd(b) + _sex(rng) + e + _cd(e) + opt
    comp = _cd(body[0:10] + body[13:20] + body[21:35])
    return [l1, body + comp]


def mrz_td1(rng):
    num = _docnum(rng)
    l1 = CODES_ID[int(rng.integers(len(CODES_ID)))] + _country(rng) + num + _cd(num) + _optional(rng, 15)
    b = _date(rng)
    e = _date(rng)
    l2 = b + _cd(b) + _sex(rng) + e + _cd(e) + _country(rng) + _optional(rng, 11)
    l2 = l2 + _cd(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    l3 = _name_field(rng, 30)
    return [l1, l2, l3]


def random_line(rng):
    n = int(rng.choice([30, 36, 44, 44, int(rng.integers(5, 45))]))
    r = rng.random()
    if r < 0.5:  # uniform over the alphabet
        return "".join(rng.choice(list(ALPHABET), n))
    if r < 0.75:  # look-alikes only (O/0/Q/D, I/1/L, S/5, B/8, Z/2, G/6, <  K X E C)
        pool = list("<<<0OQDI1LS5B8Z2G6KXECUV")
        return "".join(rng.choice(pool, n))
    # runs of < mixed with random tokens
    s = ""
    while len(s) < n:
        if rng.random() < 0.4:
            s += "<" * int(rng.integers(1, 10))
        else:
            s += "".join(rng.choice(list(ALPHABET[1:]), int(rng.integers(1, 8))))
    return s[:n]


def sample_text(rng):
    """Return (text, neighbour_above, neighbour_below); neighbours are other lines of the same MRZ."""
    r = rng.random()
    if r < 0.22:
        t = random_line(rng)
        return t, random_line(rng), random_line(rng)
    lines = mrz_td3(rng) if r < 0.55 else (mrz_td2(rng) if r < 0.72 else mrz_td1(rng))
    i = int(rng.integers(len(lines)))
    above = lines[i - 1] if i > 0 else None
    below = lines[i + 1] if i + 1 < len(lines) else None
    t = lines[i]
    if rng.random() < 0.10:  # partial line
        k = int(rng.integers(5, len(t)))
        s = int(rng.integers(0, len(t) - k + 1))
        t = t[s : s + k]
        if above:
            above = above[s : s + k]
        if below:
            below = below[s : s + k]
    return t, above, below


# ----------------------------------------------------------------------------------------------
# Rendering helpers
# ----------------------------------------------------------------------------------------------
def _u(rng, a, b):
    return float(rng.uniform(a, b))


def _smooth_field(rng, h, w, cells, lo, hi):
    """Low-frequency random field in [lo, hi], shape (h, w), float32."""
    g = rng.uniform(lo, hi, size=(cells[0], cells[1])).astype(np.float32)
    return cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)


def _draw_text(mask, text, font, x0, baseline_top, pitch, rng, jitter, top=_TOP, cap=_CAP, adv=_ADV, gtf=None,
               prop=False):
    """gtf: optional {char: (sx, sy)} per-glyph scaling about the glyph's bottom centre (printer-font
    variation: this OCR-B file draws digits taller than letters and 0 as wide as O; real prints differ).
    prop: set the glyphs at their own advances (scaled so the line keeps its length), as a word
    processor does, instead of one cell per character."""
    d = ImageDraw.Draw(mask)
    fs = font.size
    if prop:
        widths = [font.getlength(c) for c in text]
        k = pitch * len(text) / max(1.0, sum(widths))
        starts = np.concatenate([[0.0], np.cumsum(widths)[:-1]]) * k
    for i, c in enumerate(text):
        x = x0 + (starts[i] if prop else i * pitch) + rng.normal(0, jitter * pitch)
        if adv != _ADV and not prop:  # proportional font: centre the glyph in its cell
            x += (adv * fs - font.getlength(c)) / 2
        y = baseline_top - top * fs + rng.normal(0, jitter * 0.5 * fs * cap)
        if gtf and c in gtf:
            sx, sy = gtf[c]
            pw, ph = int(fs * 1.2) + 4, int(fs * 1.2) + 4
            patch = Image.new("L", (pw, ph), 0)
            ImageDraw.Draw(patch).text((0, 0), c, font=font, fill=255)
            nw, nh = max(1, int(round(pw * sx))), max(1, int(round(ph * sy)))
            patch = patch.resize((nw, nh), Image.BILINEAR)
            cxg = adv * fs / 2  # glyph cell centre
            bottom = (top + cap) * fs  # ink bottom within the patch
            px = x + cxg - cxg * sx
            py = y + bottom - bottom * sy
            mask.paste(255, (int(round(px)), int(round(py))), patch)
        else:
            d.text((x, y), c, font=font, fill=255)


def _background(rng, h, w):
    base = _u(rng, 140, 255)
    bg = np.full((h, w), base, np.float32)
    if rng.random() < 0.7:  # paper colour variation / gradient
        bg += _smooth_field(rng, h, w, (2, 3), -25, 25)
    if rng.random() < 0.6:  # fine texture
        t = rng.normal(0, _u(rng, 2, 12), size=(max(2, h // 2), max(2, w // 2))).astype(np.float32)
        bg += cv2.resize(t, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.5:  # guilloche-like security pattern
        pat = np.zeros((h, w), np.uint8)
        n = int(rng.integers(2, 12))
        xs = np.arange(0, w, 2, dtype=np.float32)
        for _ in range(n):
            amp = _u(rng, 0.1, 0.6) * h
            per = _u(rng, 0.3, 3.0) * h
            ph = _u(rng, 0, 2 * math.pi)
            yc = _u(rng, 0, h)
            ys = yc + amp * np.sin(xs / per * 2 * math.pi + ph)
            pts = np.stack([xs, ys], 1).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(pat, [pts], False, 255, thickness=max(1, int(h / 40 * _u(rng, 0.5, 2.0))))
        bg -= pat.astype(np.float32) / 255.0 * _u(rng, 8, 45)
    if rng.random() < 0.15:  # fine dot screen (printing rosette)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        per = _u(rng, 2.0, 6.0)
        bg -= (np.sin(xx / per) * np.sin(yy / per) > 0.5).astype(np.float32) * _u(rng, 5, 30)
    return bg


def _motion_kernel(rng, length):
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    ang = _u(rng, -180, 180)
    M = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), ang, 1.0)
    k = cv2.warpAffine(k, M, (length, length))
    return k / max(k.sum(), 1e-6)


def _binarise(img, rng, otsu_ok=True):
    if otsu_ok and rng.random() < 0.55:
        _, b = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    else:
        bs = int(img.shape[0] * _u(rng, 0.8, 2.5)) | 1
        bs = max(3, bs)
        b = cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, bs, _u(rng, 2, 15))
    return b


def _jpeg(img, q):
    ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(q)])
    return cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE) if ok else img


def _to_height(img, rng, xscale=1.0):
    h, w = img.shape
    nw = max(4, int(round(w * HEIGHT / h * xscale)))
    interp = cv2.INTER_AREA if h > HEIGHT else (cv2.INTER_LINEAR if rng.random() < 0.5 else cv2.INTER_CUBIC)
    return cv2.resize(img, (nw, HEIGHT), interpolation=interp)


def _final_degrade(out, rng, strength):
    """Degradations at the final 32 px scale (float32 image in 0..255)."""
    if rng.random() < 0.35 * strength:  # low resolution: down then up
        f = _u(rng, 0.4, 0.85)
        h, w = out.shape
        small = cv2.resize(out, (max(4, int(w * f)), max(4, int(h * f))), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.3 * strength:
        out = cv2.GaussianBlur(out, (0, 0), _u(rng, 0.3, 1.0))
    if rng.random() < 0.4 * strength:
        out = out + rng.normal(0, _u(rng, 2, 14), size=out.shape).astype(np.float32)
    return out


# ----------------------------------------------------------------------------------------------
# Synthetic line
# ----------------------------------------------------------------------------------------------
def _glyph_variation(rng):
    dig = _u(rng, 0.88, 1.0)
    g = {ch: (1.0, dig) for ch in "123456789"}
    g["0"] = (_u(rng, 0.72, 0.95), dig)
    g["O"] = (_u(rng, 1.0, 1.1), 1.0)
    g["Q"] = g["O"]
    return g


def render_line(rng, text=None, strength=1.0, alt_font_p=0.0, glyph_var_p=0.0):
    """Render one synthetic MRZ line crop. Returns (uint8 HxW image with H=32, text).
    alt_font_p: probability of using another typeface than OCR-B (`alt_fonts()`; 0 draws no extra random number)."""
    above = below = None
    if text is None:
        text, above, below = sample_text(rng)
    n = len(text)
    cap = float(np.exp(rng.uniform(math.log(8), math.log(60))))  # text (cap) height in px
    fcap, fadv, ftop, fpath = _CAP, _ADV, _TOP, FONT_PATH
    prop = False
    if alt_font_p > 0 and rng.random() < alt_font_p:
        fonts = alt_fonts()
        fpath = fonts[int(rng.integers(len(fonts)))]
        fcap, fadv, ftop = _ALT if fpath == ALT_FONT_PATH else _alt_metrics(fpath)
        prop = "Mono" not in fpath and "OCRB" not in fpath and "Cousine" not in fpath and rng.random() < 0.4
    fs = max(6, int(round(cap / fcap)))
    font = _font(fs, fpath)
    cap = fs * fcap
    pitch = fs * fadv * _u(rng, 0.9, 1.12)
    pad_x = int(3 * pitch + 10)
    pad_y = int(1.6 * cap + 10)
    W = int(n * pitch + 2 * pad_x)
    H = int(cap + 2 * pad_y)
    mask = Image.new("L", (W, H), 0)
    top = pad_y
    fk = dict(top=ftop, cap=fcap, adv=fadv, prop=prop)
    if glyph_var_p > 0 and fpath == FONT_PATH and rng.random() < glyph_var_p:
        fk["gtf"] = _glyph_variation(rng)
    _draw_text(mask, text, font, pad_x, top, pitch, rng, jitter=_u(rng, 0, 0.04), **fk)
    # neighbouring MRZ lines (what a generous crop margin lets in from above / below)
    if rng.random() < 0.35:
        gap = cap * _u(rng, 1.45, 2.1)
        if above and rng.random() < 0.7:
            _draw_text(mask, above, font, pad_x + rng.normal(0, 0.2 * pitch), top - gap, pitch, rng, 0.02, **fk)
        if below and rng.random() < 0.7:
            _draw_text(mask, below, font, pad_x + rng.normal(0, 0.2 * pitch), top + gap, pitch, rng, 0.02, **fk)
    m = np.asarray(mask, dtype=np.float32) / 255.0

    # stroke thickness: blur then re-threshold softly around a random level
    if rng.random() < 0.8:
        s = max(0.4, cap * _u(rng, 0.02, 0.06))
        m = cv2.GaussianBlur(m, (0, 0), s)
        thr = _u(rng, 0.25, 0.65)
        k = _u(rng, 3.0, 8.0)
        m = np.clip((m - thr) * k + 0.5, 0, 1)

    # geometry: residual rotation + horizontal shear (perspective), about the text centre
    cx = pad_x + n * pitch / 2
    cy = top + cap / 2
    ang = _u(rng, -1.5, 1.5)
    sh = _u(rng, -0.12, 0.12) if rng.random() < 0.6 else 0.0
    R = cv2.getRotationMatrix2D((cx, cy), ang, 1.0)
    S = np.array([[1, sh, -sh * cy], [0, 1, 0], [0, 0, 1]], np.float64)
    A = (np.vstack([R, [0, 0, 1]]) @ S)[:2]
    m = cv2.warpAffine(m, A, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
    corners = np.array([[pad_x, top, 1], [pad_x + n * pitch, top, 1], [pad_x, top + cap, 1], [pad_x + n * pitch, top + cap, 1]]).T
    tc = A @ corners
    tx0, tx1 = tc[0].min(), tc[0].max()
    ty0, ty1 = tc[1].min(), tc[1].max()

    # composite ink over background
    bg = _background(rng, H, W)
    base = float(np.median(bg))
    if rng.random() < 0.15:  # low contrast
        ink = base - _u(rng, 55, 90)
    else:
        ink = min(_u(rng, 0, 110), base - 70)
    alpha = _u(rng, 0.75, 1.0)
    img = bg * (1 - alpha * m) + ink * alpha * m

    # lighting: uneven illumination, shadow, glare
    lit = False
    if rng.random() < 0.5:
        img *= _smooth_field(rng, H, W, (2, 3), _u(rng, 0.5, 0.9), _u(rng, 1.0, 1.2))
    if rng.random() < 0.2:
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        a = _u(rng, 0, math.pi)
        d = (xx - _u(rng, 0, W)) * math.cos(a) + (yy - _u(rng, 0, H)) * math.sin(a)
        soft = max(1.0, cap * _u(rng, 0.1, 1.5))
        img *= 1 - _u(rng, 0.2, 0.5) * (1 / (1 + np.exp(np.clip(-d / soft, -50, 50))))
        lit = True
    if rng.random() < 0.2:
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        gx, gy = _u(rng, 0, W), _u(rng, 0, H)
        sx, sy = cap * _u(rng, 1, 8), cap * _u(rng, 0.5, 3)
        img += _u(rng, 40, 140) * np.exp(-(((xx - gx) / sx) ** 2 + ((yy - gy) / sy) ** 2))
        lit = True

    # optical blur at capture resolution
    r = rng.random()
    if r < 0.35:
        img = cv2.GaussianBlur(img, (0, 0), max(0.3, cap * _u(rng, 0.01, 0.07)))
    elif r < 0.5:
        L = max(2, int(cap * _u(rng, 0.05, 0.15)))
        img = cv2.filter2D(img, -1, _motion_kernel(rng, L))
    if rng.random() < 0.5:
        img += rng.normal(0, _u(rng, 2, 14), size=img.shape).astype(np.float32)

    # crop: random margins around the text box
    th = cap
    mt = _u(rng, 0.05, 0.45) * th
    mb = _u(rng, 0.05, 0.45) * th
    if rng.random() < 0.07:  # partial occlusion / cut of top or bottom edge
        if rng.random() < 0.5:
            mt = -_u(rng, 0.0, 0.12) * th
        else:
            mb = -_u(rng, 0.0, 0.12) * th
    ml = _u(rng, 0, 2.0) * pitch if rng.random() < 0.8 else _u(rng, 0, 0.5) * pitch
    mr = _u(rng, 0, 2.0) * pitch if rng.random() < 0.8 else _u(rng, 0, 0.5) * pitch
    y0 = int(round(ty0 - mt))
    y1 = int(round(ty1 + mb))
    x0 = int(round(tx0 - ml + 0.12 * pitch))  # ink starts ~0.12 pitch in
    x1 = int(round(tx1 + mr - 0.15 * pitch))
    y0, x0 = max(0, y0), max(0, x0)
    y1, x1 = min(H, max(y1, y0 + 4)), min(W, max(x1, x0 + 4))
    img = np.clip(img[y0:y1, x0:x1], 0, 255).astype(np.uint8)
    if rng.random() < 0.1:  # occluding band (finger, sticker edge, laminate) over top/bottom edge
        hh = img.shape[0]
        b = int(hh * _u(rng, 0.05, 0.3))
        val = int(_u(rng, 0, 255))
        if rng.random() < 0.5:
            img[:b] = val
        else:
            img[hh - b :] = val

    if rng.random() < 0.6 * strength:
        img = _jpeg(img, rng.integers(20, 96))
    if rng.random() < 0.35:
        img = _binarise(img, rng, otsu_ok=not lit)

    # aspect: keep crop width / height per character in a realistic range (real crops 0.37-0.69,
    # pipeline ~0.5); x-scale doubles as font-width / anisotropic-scan variation.
    xs = _u(rng, 0.78, 1.12)
    hh, ww = img.shape
    per = ww * xs / hh / max(1, n)
    lo, hi = 0.34, 0.78
    if per < lo:
        xs *= lo / per
    elif per > hi:
        xs *= hi / per
    out = _to_height(img, rng, xs).astype(np.float32)
    out = _final_degrade(out, rng, strength)
    return np.clip(out, 0, 255).astype(np.uint8), text


# ----------------------------------------------------------------------------------------------
# Real crops
# ----------------------------------------------------------------------------------------------
def load_real(real_dir):
    """Return list of (uint8 image, text, source_image)."""
    import csv

    out = []
    with open(os.path.join(real_dir, "lines.tsv"), newline="") as f:
        rd = csv.reader(f, delimiter="\t")
        next(rd)
        for row in rd:
            if len(row) < 3:
                continue
            fn, text, src = row[0], row[1].strip(), row[2]
            im = Image.open(os.path.join(real_dir, fn))
            if im.mode in ("RGBA", "LA"):
                bgw = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bgw, im.convert("RGBA"))
            a = np.asarray(im.convert("L"), dtype=np.uint8)
            text = "".join(c for c in text.upper() if c in ALPHABET)
            if not text:
                continue
            out.append((a, text, src))
    return out


def real_to_input(a):
    """Deterministic preparation of a real crop (for validation): resize to height 32."""
    h, w = a.shape
    nw = max(4, int(round(w * HEIGHT / h)))
    return cv2.resize(a, (nw, HEIGHT), interpolation=cv2.INTER_AREA if h > HEIGHT else cv2.INTER_LINEAR)


def augment_real(a, text, rng):
    """Augment one real (binarised) crop. Returns uint8 height-32 image."""
    img = a.astype(np.float32)
    h, w = img.shape
    n = max(1, len(text))
    pitch = w / n
    # margins: real crops have ~25-37% vertical margin; pad or trim to cover 5-50%
    ink_rows = np.nonzero((a < 128).mean(1) > 0.02)[0]
    if len(ink_rows):
        t0, t1 = ink_rows[0], ink_rows[-1]
        th = t1 - t0 + 1
        mt = int(round(_u(rng, 0.08, 0.5) * th))
        mb = int(round(_u(rng, 0.08, 0.5) * th))
        top = t0 - mt
        bot = t1 + 1 + mb
        pt, pb = max(0, -top), max(0, bot - h)
        img = img[max(0, top) : min(h, bot)]
        img = np.pad(img, ((pt, pb), (0, 0)), constant_values=255)
        ml = int(round(_u(rng, -0.1, 1.2) * pitch))
        mr = int(round(_u(rng, -0.1, 1.2) * pitch))
        if ml < 0:
            img = img[:, -ml:]
        else:
            img = np.pad(img, ((0, 0), (ml, 0)), constant_values=255)
        if mr < 0:
            img = img[:, : img.shape[1] + mr]
        else:
            img = np.pad(img, ((0, 0), (0, mr)), constant_values=255)
    h, w = img.shape
    # small rotation / shear
    if rng.random() < 0.6:
        ang = _u(rng, -1.2, 1.2)
        sh = _u(rng, -0.08, 0.08)
        R = cv2.getRotationMatrix2D((w / 2, h / 2), ang, 1.0)
        S = np.array([[1, sh, -sh * h / 2], [0, 1, 0], [0, 0, 1]], np.float64)
        A = (np.vstack([R, [0, 0, 1]]) @ S)[:2]
        img = cv2.warpAffine(img, A, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    # stroke weight
    if rng.random() < 0.3:
        k = np.ones((2, 2), np.uint8)
        img = cv2.erode(img, k) if rng.random() < 0.5 else cv2.dilate(img, k)
    # contrast (no inversion): map black -> ink, white -> paper
    if rng.random() < 0.7:
        ink = _u(rng, 0, 110)
        paper = _u(rng, max(ink + 50, 140), 255)
        img = ink + (img / 255.0) * (paper - ink)
        if rng.random() < 0.4:
            img = img + _background(rng, h, w) - 200
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), _u(rng, 0.3, 1.2))
    if rng.random() < 0.3:
        img = img + rng.normal(0, _u(rng, 2, 15), size=img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        img = _jpeg(img, rng.integers(25, 96))
    xs = _u(rng, 0.85, 1.15)
    out = _to_height(img, rng, xs).astype(np.float32)
    out = _final_degrade(out, rng, 0.7)
    return np.clip(out, 0, 255).astype(np.uint8)


def load_lines(lines_dir):
    """Pipeline-cut lines (`dump_lines` example): lines.tsv rows `file<TAB>text`, no header.
    Returns list of (uint8 height-32 image, text)."""
    out = []
    with open(os.path.join(lines_dir, "lines.tsv")) as f:
        for row in f:
            parts = row.rstrip("\n").split("\t")
            if len(parts) < 2 or not parts[1]:
                continue
            a = np.asarray(Image.open(os.path.join(lines_dir, parts[0])).convert("L"), dtype=np.uint8)
            out.append((a, parts[1]))
    return out


def augment_pipeline(a, rng):
    """Light augmentation of a pipeline-cut line, which already carries the capture's degradations:
    a small vertical shift or zoom (the rectifier's margins vary), width scale, and mild blur, noise
    or JPEG. Returns uint8 height-32 image."""
    img = a.astype(np.float32)
    h, w = img.shape
    if rng.random() < 0.5:
        top = int(rng.integers(-3, 4))
        bot = int(rng.integers(-3, 4))
        pad = np.median(img[:, : max(1, w // 20)])
        img = img[max(0, top) : h - max(0, bot)]
        img = np.pad(img, ((max(0, -top), max(0, -bot)), (0, 0)), constant_values=pad)
    if rng.random() < 0.2:
        img = cv2.GaussianBlur(img, (0, 0), _u(rng, 0.3, 0.9))
    if rng.random() < 0.2:
        img = img + rng.normal(0, _u(rng, 2, 10), size=img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.15:
        img = _jpeg(img, rng.integers(30, 96))
    xs = _u(rng, 0.9, 1.1)
    nw = max(8, int(round(img.shape[1] * HEIGHT / img.shape[0] * xs)))
    return cv2.resize(img, (nw, HEIGHT), interpolation=cv2.INTER_AREA)


if __name__ == "__main__":
    import argparse
    import time

    ap = argparse.ArgumentParser(description="Render sample lines to a PNG sheet for inspection")
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="models/work/samples.png")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t = time.time()
    ims = [render_line(rng) for _ in range(args.n)]
    print("%.1f ms/line" % ((time.time() - t) * 1000 / args.n))
    W = max(i.shape[1] for i, _ in ims)
    sheet = np.full((len(ims) * 36, W), 128, np.uint8)
    for k, (im, txt) in enumerate(ims):
        sheet[k * 36 : k * 36 + 32, : im.shape[1]] = im
        print(txt)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    cv2.imwrite(args.out, sheet)
