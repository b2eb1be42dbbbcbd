#!/usr/bin/env python3
"""Writes Tests/Fixtures/everyday: bar codes, colours, documents and the label photos.

Run with a Python that has Pillow and NumPy (Debian python3-pil, python3-numpy) and the PyPI
packages python-barcode==0.15.1 and qrcode==7.4.2 (encoders only: the bars are drawn here), with
the DejaVu fonts (Debian fonts-dejavu-core), for example:

    python3 -m venv --system-site-packages /tmp/fx && /tmp/fx/bin/pip install \
        python-barcode==0.15.1 qrcode==7.4.2 && /tmp/fx/bin/python scripts/make_everyday_fixtures.py

Deterministic: fixed seeds, so a rerun reproduces every file. manifest.json says what each
photo shows (the expected code, colour names, layout).
"""
import io
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

import barcode
import qrcode

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "everyday")
FONTS = "/usr/share/fonts/truetype/dejavu/"


def font(name, size):
    return ImageFont.truetype(FONTS + name, size)


def save(img, rel, quality=88):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if rel.endswith(".png"):
        img.save(path, optimize=True)
    else:
        img.save(path, quality=quality)
    return rel


def noisy(img, sigma, seed):
    a = np.asarray(img).astype(np.float32)
    a += np.random.RandomState(seed).normal(0, sigma, a.shape)
    return Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8))


# MARK: bar codes

UPCE_PARITY = ["EEEOOO", "EEOEOO", "EEOOEO", "EEOOOE", "EOEEOO", "EOOEEO", "EOOOEE", "EOEOEO", "EOEOOE", "EOOEOE"]
L_CODES = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"]
G_CODES = ["0100111", "0110011", "0011011", "0100001", "0011101", "0111001", "0000101", "0010001", "0001001", "0010111"]


def upce_modules(six, check):
    """UPC-E, number system 0: start 101, six digits in the parity the check digit selects, end 010101."""
    parity = UPCE_PARITY[check]
    body = "".join((G_CODES if p == "E" else L_CODES)[int(d)] for d, p in zip(six, parity))
    return "101" + body + "010101"


def linear_modules(kind, data):
    return barcode.get(kind, data).build()[0]


def draw_linear(modules, module_px, bar_height):
    quiet = 10 * module_px
    w = len(modules) * module_px + 2 * quiet
    img = Image.new("L", (w, bar_height + 2 * quiet), 250)
    d = ImageDraw.Draw(img)
    for i, m in enumerate(modules):
        if m == "1":
            x = quiet + i * module_px
            d.rectangle([x, quiet, x + module_px - 1, quiet + bar_height - 1], fill=20)
    return img


def draw_qr(text, box_px):
    q = qrcode.QRCode(border=4, box_size=box_px, error_correction=qrcode.constants.ERROR_CORRECT_M)
    q.add_data(text)
    q.make(fit=True)
    return q.make_image().convert("L").point(lambda v: 250 if v > 128 else 20)


CODES = [
    # kind, what zbar reports, data to encode, expected data
    ("ean13", "EAN-13", "400638133393", "4006381333931"),
    ("ean8", "EAN-8", "9638507", "96385074"),
    ("upca", "UPC-A", "03600029145", "036000291452"),
    ("upce", "UPC-E", "123456", "01234565"),
    ("code128", "CODE-128", "ASSIST-0042", "ASSIST-0042"),
    ("qr", "QR-Code", "https://example.org/soup?id=42", "https://example.org/soup?id=42"),
]


def code_image(kind, data, module_px):
    if kind == "qr":
        return draw_qr(data, module_px + 1)
    if kind == "upce":
        return draw_linear(upce_modules(data, 5), module_px, 36 * module_px)
    return draw_linear(linear_modules(kind, data), module_px, 36 * module_px)


def product_scene(w, h, seed):
    """A packet's printed card: a soft gradient with faint print-like texture."""
    rs = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([200 + 25 * x / w, 190 + 20 * y / h, 170 + 30 * (1 - x / w)], axis=-1)
    base += rs.normal(0, 1.5, (h, w, 1))
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


def place(scene, code, cx, cy, angle=0):
    code_rgb = code.convert("RGB")
    mask = Image.new("L", code.size, 255)
    if angle:
        code_rgb = code_rgb.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0))
        mask = mask.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=0)
    scene.paste(code_rgb, (int(cx - code_rgb.width / 2), int(cy - code_rgb.height / 2)), mask)
    return scene


def make_codes(manifest):
    rows = []
    for index, (kind, zbar_name, data, expected) in enumerate(CODES):
        module = 5 if kind == "qr" else 3
        code = code_image(kind, data, module)
        variants = [
            ("clean", dict(angle=0, blur=0, where=(0.5, 0.5), size=(640, 480))),
            ("rot12", dict(angle=12, blur=0, where=(0.5, 0.5), size=(640, 480))),
            ("rot22", dict(angle=-22, blur=0, where=(0.5, 0.5), size=(640, 480))),
            ("rot30", dict(angle=30, blur=0, where=(0.5, 0.5), size=(640, 480))),
            ("blur1", dict(angle=0, blur=1.0, where=(0.5, 0.5), size=(640, 480))),
            ("blur2", dict(angle=0, blur=2.0, where=(0.5, 0.5), size=(640, 480))),
            ("blur4", dict(angle=0, blur=4.0, where=(0.5, 0.5), size=(640, 480))),
            ("small", dict(angle=0, blur=0, where=(0.3, 0.6), size=(1600, 1200), scale=0.6)),
            ("cutleft", dict(angle=0, blur=0, where=(0.0, 0.5), size=(640, 480), edge="left")),
            ("cutright", dict(angle=0, blur=0, where=(1.0, 0.45), size=(640, 480), edge="right")),
            ("cuttop", dict(angle=0, blur=0, where=(0.55, 0.0), size=(640, 480), edge="top")),
            ("cutbottom", dict(angle=0, blur=0, where=(0.45, 1.0), size=(640, 480), edge="bottom")),
        ]
        for vi, (name, v) in enumerate(variants):
            w, h = v["size"]
            scene = product_scene(w, h, 100 * index + vi)
            c = code
            if "scale" in v:
                c = code.resize((int(code.width * v["scale"]), int(code.height * v["scale"])), Image.BILINEAR)
            cx, cy = v["where"][0] * w, v["where"][1] * h
            # A cut-off code sits with about 35% of it outside the frame.
            edge = v.get("edge")
            if edge == "left":
                cx = c.width * 0.15
            elif edge == "right":
                cx = w - c.width * 0.15
            elif edge == "top":
                cy = c.height * 0.15
            elif edge == "bottom":
                cy = h - c.height * 0.15
            scene = place(scene, c, cx, cy, v["angle"])
            if v["blur"]:
                scene = scene.filter(ImageFilter.GaussianBlur(v["blur"]))
            scene = noisy(scene, 1.0 if name == "small" else 2.0, 7 + 100 * index + vi)
            rel = save(scene, f"codes/{kind}-{name}.jpg", quality=80)
            rows.append({"file": rel, "kind": kind, "symbology": zbar_name, "data": expected,
                         "variant": name, "angle": v["angle"], "blur": v["blur"], "edge": edge,
                         "size": [w, h]})
    # Two codes in one photo, and photos with no code at all for the region finder's false alarms.
    scene = product_scene(800, 600, 999)
    scene = place(scene, code_image("ean13", "400638133393", 2), 220, 300)
    scene = place(scene, code_image("qr", "Plum jam, 2026", 3), 600, 300)
    rows.append({"file": save(noisy(scene, 2.5, 998), "codes/two-codes.jpg", quality=85), "kind": "two",
                 "symbology": "EAN-13+QR-Code", "data": "4006381333931|Plum jam, 2026", "variant": "two",
                 "angle": 0, "blur": 0, "edge": None, "size": [800, 600]})
    manifest["codes"] = rows


# MARK: colours

PATCHES = [
    # name (must be a palette name), accepted names, sRGB
    ("red", ["red"], (200, 30, 35)),
    ("dark red", ["dark red", "maroon"], (120, 15, 20)),
    ("pink", ["pink"], (240, 150, 180)),
    ("orange", ["orange"], (240, 130, 20)),
    ("yellow", ["yellow"], (240, 215, 30)),
    ("brown", ["brown"], (125, 75, 35)),
    ("beige", ["beige", "cream"], (220, 200, 160)),
    ("olive", ["olive", "khaki"], (120, 120, 40)),
    ("green", ["green"], (40, 150, 50)),
    ("dark green", ["dark green"], (20, 80, 35)),
    ("light green", ["light green"], (150, 220, 130)),
    ("teal", ["teal", "turquoise"], (0, 128, 128)),
    ("light blue", ["light blue", "sky blue"], (150, 195, 235)),
    ("blue", ["blue"], (30, 80, 200)),
    ("navy", ["navy", "dark blue"], (20, 30, 90)),
    ("purple", ["purple"], (110, 40, 140)),
    ("lilac", ["lilac", "lavender"], (190, 160, 220)),
    ("magenta", ["magenta"], (210, 30, 160)),
    ("black", ["black"], (20, 20, 22)),
    ("white", ["white"], (240, 240, 238)),
    ("grey", ["grey"], (128, 128, 128)),
    ("dark grey", ["dark grey"], (70, 70, 72)),
    ("light grey", ["light grey", "silver"], (190, 190, 190)),
]

# Light sources as linear-light gains of R, G, B (roughly: tungsten 2900 K, shade/overcast
# 8000 K, a greenish fluorescent tube), normalised so that green keeps its level.
LIGHTS = {
    "neutral": (1.0, 1.0, 1.0),
    "warm": (1.35, 1.0, 0.55),
    "cool": (0.8, 1.0, 1.3),
    "green": (0.85, 1.0, 0.8),
}


def srgb_to_linear(a):
    a = a / 255.0
    return np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(a):
    a = np.clip(a, 0, 1)
    return 255 * np.where(a <= 0.0031308, 12.92 * a, 1.055 * a ** (1 / 2.4) - 0.055)


def lit(img, light, seed, exposure=1.0):
    lin = srgb_to_linear(np.asarray(img).astype(np.float32))
    lin = lin * np.array(LIGHTS[light], dtype=np.float32) * exposure
    out = linear_to_srgb(lin) + np.random.RandomState(seed).normal(0, 2.0, lin.shape)
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8))


def mug_scene(rgb, second=None, seed=0):
    """A mug of colour `rgb` (with `second`-coloured stripes) on a light grey table against a
    white wall, lit from the upper left: shading, a highlight, and neutral surroundings that a
    cast correction can use."""
    w, h = 320, 240
    img = Image.new("RGB", (w, h), (235, 235, 232))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 150, w, h], fill=(175, 172, 170))
    d.rectangle([70, 40, 250, 200], fill=rgb)
    if second:
        for y in range(60, 200, 36):
            d.rectangle([70, y, 250, y + 12], fill=second)
    d.ellipse([240, 80, 290, 150], outline=rgb, width=12)
    a = np.asarray(img).astype(np.float32)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = 1.0 - 0.18 * ((x - 70) / 180).clip(0, 1)
    inside = (x >= 70) & (x <= 250) & (y >= 40) & (y <= 200)
    a[inside] *= shade[inside][:, None]
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))


def make_colours(manifest):
    rows = []
    for i, (name, accepted, rgb) in enumerate(PATCHES):
        slug = name.replace(" ", "-")
        for light in LIGHTS:
            patch = Image.new("RGB", (96, 72), rgb)
            rel = save(lit(patch, light, 10 * i + len(light)), f"colours/patch-{slug}-{light}.jpg", quality=92)
            rows.append({"file": rel, "kind": "patch", "light": light, "colours": [accepted]})
            rel = save(lit(mug_scene(rgb, seed=i), light, 500 + 10 * i + len(light)), f"colours/mug-{slug}-{light}.jpg", quality=92)
            rows.append({"file": rel, "kind": "mug", "light": light, "colours": [accepted]})
    two = [("navy", ["navy", "dark blue"], (20, 30, 90), "white", ["white", "light grey"], (240, 240, 238)),
           ("red", ["red"], (200, 30, 35), "white", ["white", "light grey"], (240, 240, 238)),
           ("yellow", ["yellow"], (240, 215, 30), "black", ["black", "dark grey"], (20, 20, 22))]
    for j, (n1, a1, c1, n2, a2, c2) in enumerate(two):
        for light in ("neutral", "warm"):
            rel = save(lit(mug_scene(c1, second=c2, seed=j), light, 900 + j + len(light)),
                       f"colours/striped-{n1}-{n2}-{light}.jpg", quality=92)
            rows.append({"file": rel, "kind": "striped", "light": light, "colours": [a1, a2]})
    for k, exposure in enumerate((0.003, 0.0015)):
        rel = save(lit(mug_scene((30, 80, 200)), "neutral", 950 + k, exposure), f"colours/dark-{k}.jpg", quality=92)
        rows.append({"file": rel, "kind": "dark", "light": "neutral", "colours": []})
    manifest["colours"] = rows


# MARK: documents

PROSE = (
    "Keep the kitchen tidy by putting things back where they belong after each use. "
    "Heavy pans live on the lowest shelf, so nobody has to lift them above head height. "
    "Spices stand in a single row, sorted from left to right, and each jar has a raised dot on the lid. "
    "When a jar runs low, turn it upside down so the next shopping list is easy to write. "
    "The kettle sits near the sink, with its cable tucked behind the toaster. "
    "Before cooking, clear the worktop and lay out everything you need in the order you will use it. "
    "A small tray keeps loose items from rolling away. "
    "Knives go in the block with the blades facing away from you. "
    "Wipe spills at once, because a sticky surface makes it harder to find things by touch. "
    "The oven has a click at every fifty degrees, and the timer beeps twice when it is done. "
    "Leftovers go into square boxes, which stack better than round ones, with the date written in large print. "
    "On Sundays the fridge is emptied and cleaned, and anything past its date is thrown away. "
    "Fresh bread is kept in the cloth bag on the left, and the crackers are in the tin on the right. "
    "Milk always goes on the top shelf of the door, juice below it, and water at the bottom. "
    "If something is moved, tell everyone in the house, so the system keeps working for all of us. "
    "Guests are welcome to help, but they should ask before they put anything away. "
    "The dishwasher is loaded from the back to the front, plates first and cups last. "
    "Tablets for the machine are in the box under the sink, next to the spare sponges. "
    "Rubbish is sorted into three bins, and the lids have different shapes so they can be told apart. "
    "Paper goes in the square lid, glass in the round one, and everything else in the bin with the handle. "
    "Once a month, check the smoke alarm by pressing its button until it sounds. "
    "Write down anything that needs repair and keep the list on the fridge door. "
)


def wrap(text, fnt, width, draw):
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = (line + " " + word).strip()
        if draw.textlength(candidate, font=fnt) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def render_column(draw, paragraphs, fnt, x, y, width, leading):
    for p in paragraphs:
        for line in wrap(p, fnt, width, draw):
            draw.text((x, y), line, font=fnt, fill=25)
            y += leading
        y += leading // 2
    return y


def sentences(text):
    return [s.strip() + "." for s in text.split(". ") if s.strip()]


def make_documents(manifest):
    rows = []
    s = [x.rstrip(".") + "." for x in sentences(PROSE)]
    paras = [" ".join(s[0:4]), " ".join(s[4:9]), " ".join(s[9:14]), " ".join(s[14:18]), " ".join(s[18:22])]
    f = font("DejaVuSerif.ttf", 22)
    # One column, A5-like proportions.
    page = Image.new("L", (1000, 1300), 246)
    d = ImageDraw.Draw(page)
    render_column(d, paras, f, 90, 90, 820, 34)
    page = page.filter(ImageFilter.GaussianBlur(0.6))
    one_words = sum(len(p.split()) for p in paras)
    rows.append({"file": save(page, "documents/one-column.png"), "columns": 1, "cut": [], "words": one_words,
                 "paragraphs": paras, "firstWords": s[0].split()[:4]})
    # Crops of the one-column page, each through the text on one side.
    crops = {"left": (200, 0, 1000, 1300), "right": (0, 0, 760, 1300), "top": (0, 290, 1000, 1300),
             "bottom": (0, 0, 1000, 620)}
    for side, box in crops.items():
        rows.append({"file": save(page.crop(box), f"documents/cut-{side}.png"), "columns": 1, "cut": [side]})
    # Two columns: the left holds the first half of the text, the right the second.
    f2 = font("DejaVuSans.ttf", 19)
    page2 = Image.new("L", (1100, 1300), 244)
    d2 = ImageDraw.Draw(page2)
    left_paras, right_paras = paras[:3], paras[3:]
    render_column(d2, left_paras, f2, 70, 90, 450, 29)
    render_column(d2, right_paras, f2, 590, 90, 450, 29)
    page2 = page2.filter(ImageFilter.GaussianBlur(0.6))
    rows.append({"file": save(page2, "documents/two-columns.png"), "columns": 2, "cut": [],
                 "words": one_words, "paragraphs": paras,
                 "leftFirst": s[0].split()[:3], "rightFirst": paras[3].split()[:3]})
    # A shop receipt: narrow, item names on the left, prices on the right.
    fr = font("DejaVuSans.ttf", 24)
    receipt = Image.new("L", (560, 960), 248)
    d3 = ImageDraw.Draw(receipt)
    items = [("Whole milk", "1.19"), ("Rye bread", "2.45"), ("Tomato soup", "1.80"), ("Plum jam", "3.10"),
             ("Green tea 20 bags", "2.99"), ("Dish soap", "1.65"), ("Apples 1 kg", "2.30"), ("Rice 500 g", "1.49")]
    y = 60
    d3.text((190, y), "CORNER SHOP", font=fr, fill=20)
    y += 60
    for name, price in items:
        d3.text((40, y), name, font=fr, fill=20)
        d3.text((520 - d3.textlength(price, font=fr), y), price, font=fr, fill=20)
        y += 40
    y += 24
    d3.text((40, y), "TOTAL", font=fr, fill=20)
    d3.text((520 - d3.textlength("16.97", font=fr), y), "16.97", font=fr, fill=20)
    d3.text((40, y + 70), "Thank you for shopping with us.", font=fr, fill=20)
    receipt = receipt.filter(ImageFilter.GaussianBlur(0.4))
    rows.append({"file": save(receipt, "documents/receipt.png"), "columns": 1, "cut": [],
                 "items": [n for n, _ in items], "total": "16.97"})
    manifest["documents"] = rows


# MARK: labels for the quality check (issue 10 item 6)

def make_labels(manifest):
    rows = []
    # A sharp 12 MP photo of a soup label: dark text on off-white, under 5% of the pixels ink.
    w, h = 4000, 3000
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot((x - w / 2) / w, (y - h / 2) / h)
    base = (241 - 6 * r)[..., None] * np.array([1.0, 0.99, 0.95], dtype=np.float32)
    label = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(label)
    d.text((900, 1100), "Tomato Soup", font=font("DejaVuSerif-Bold.ttf", 210), fill=(40, 30, 28))
    d.text((1000, 1450), "Ready to serve  400 g", font=font("DejaVuSans.ttf", 110), fill=(55, 45, 40))
    d.text((1000, 1650), "Heat gently and stir", font=font("DejaVuSans.ttf", 90), fill=(55, 45, 40))
    label = label.filter(ImageFilter.GaussianBlur(1.2))
    ink = float((np.asarray(label.convert("L")) < 150).mean())
    rows.append({"file": save(label, "labels/soup-label-12mp.jpg", quality=90), "ink": round(ink, 4),
                 "qualityFlags": []})
    # Plain black text on pure white.
    page = Image.new("RGB", (1600, 1200), (255, 255, 255))
    d = ImageDraw.Draw(page)
    for i, line in enumerate(["Take one tablet", "twice a day", "with water after meals"]):
        d.text((200, 300 + 160 * i), line, font=font("DejaVuSans.ttf", 96), fill=(0, 0, 0))
    ink = float((np.asarray(page.convert("L")) < 128).mean())
    rows.append({"file": save(page, "labels/black-on-white.png"), "ink": round(ink, 4), "qualityFlags": []})
    manifest["labels"] = rows


# MARK: products

OFF_COLUMNS = (
    "code url creator created_t created_datetime last_modified_t last_modified_datetime last_modified_by "
    "last_updated_t last_updated_datetime product_name abbreviated_product_name generic_name quantity packaging "
    "packaging_tags packaging_en packaging_text brands brands_tags brands_en categories categories_tags "
    "categories_en origins origins_tags origins_en manufacturing_places manufacturing_places_tags labels "
    "labels_tags labels_en emb_codes emb_codes_tags first_packaging_code_geo cities cities_tags purchase_places "
    "stores countries countries_tags countries_en ingredients_text ingredients_tags ingredients_analysis_tags "
    "allergens allergens_en traces traces_tags traces_en serving_size serving_quantity no_nutrition_data "
    "additives_n additives additives_tags additives_en nutriscore_score nutriscore_grade nova_group pnns_groups_1 "
    "pnns_groups_2 food_groups food_groups_tags food_groups_en states states_tags states_en brand_owner "
    "ecoscore_score ecoscore_grade main_category main_category_en image_url image_small_url energy-kcal_100g "
    "energy_100g fat_100g saturated-fat_100g carbohydrates_100g sugars_100g proteins_100g salt_100g"
).split()

# Rows the tests name: (code as stored, name, brand, quantity, allergens).
NAMED_PRODUCTS = [
    ("4006381333931", "Hazelnut spread", "Nussbaum,Nussbaum Foods", "400 g", "en:milk,en:nuts,en:soybeans"),
    ("0036000291452", 'Tissues "Soft" 3-ply', "Softly", "2 x 80", ""),
    ("012345000065", "Pea soup", "Grünfeld", "500 ml", "en:celery"),
    ("96385074", "Crème brûlée", "Pâtisserie Émile", "2 x 100 g", "en:eggs,en:milk"),
    ("5012345678900", '12" pizza Margherita', "Forno", "350 g", "en:gluten,en:milk"),
    ("8412345678905", 'Aceitunas "Sevillanas', "Olivar Ñandú", "150 g", "es:sulfitos"),
    ("4901234567894", "緑茶 Green tea", "Kyoto Cha", "20 x 2 g", ""),
]


def make_products(manifest):
    rs = np.random.RandomState(4242)
    words = ["Oat", "Rye", "Apple", "Tomato", "Lentil", "Plum", "Honey", "Spelt", "Cocoa", "Mint", "Barley",
             "Cherry", "Müsli", "Jalapeño", "Smørrebrød", "Café", "Brötchen", "Pâté", "Crêpe", "Kürbis"]
    kinds = ["biscuits", "soup", "jam", "juice", "crackers", "bars", "tea", "bread", "yoghurt", "spread"]
    allergen_tags = ["en:gluten", "en:milk", "en:nuts", "en:eggs", "en:soybeans", "en:celery", "en:mustard", "fr:lait"]

    def ean13(body12):
        s = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
        return body12 + str((10 - s % 10) % 10)

    rows = []
    for i in range(300):
        code = ean13("20%010d" % (7919 * i + 13))
        name = f"{words[i % len(words)]} {kinds[(i // 3) % len(kinds)]}"
        if i % 17 == 0:
            name = f'"{name}" family pack'          # quotes around part of a name
        if i % 29 == 0:
            name = f'{name} 10" tin'                # a lone inch mark
        if i % 41 == 0:
            name = f'"{name}'                       # an opening quote never closed
        brand = ["Hofgut", "Nordfeld", "Sól", "L'Épicerie", "Zwölf Äpfel"][i % 5]
        quantity = f"{(i % 9 + 1) * 50} g"
        allergens = ",".join(allergen_tags[j] for j in range(len(allergen_tags)) if (i >> j) % 3 == 0)
        rows.append((code, name, brand, quantity, allergens))
    rows[40:40] = NAMED_PRODUCTS
    rows.insert(120, ("", "No code at all", "X", "", ""))
    rows.insert(121, ("not-a-code", "Broken code", "X", "", ""))
    index = {c: i for i, c in enumerate(OFF_COLUMNS)}
    lines = ["\t".join(OFF_COLUMNS)]
    for n, (code, name, brand, quantity, allergens) in enumerate(rows):
        f = [""] * len(OFF_COLUMNS)
        f[index["code"]] = code
        f[index["url"]] = f"http://world-en.openfoodfacts.org/product/{code}"
        f[index["creator"]] = "fixture"
        f[index["created_t"]] = str(1600000000 + n)
        f[index["product_name"]] = name
        f[index["quantity"]] = quantity
        f[index["brands"]] = brand
        f[index["brands_tags"]] = brand.lower().replace(" ", "-")
        f[index["allergens"]] = allergens
        f[index["countries_en"]] = "Germany,France"
        f[index["ingredients_text"]] = f"water, {name.lower()}, salt (1,2 %)"
        f[index["energy-kcal_100g"]] = str(100 + n % 400)
        lines.append("\t".join(f))
    path = os.path.join(ROOT, "products", "openfoodfacts-sample.tsv")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("\n".join(lines) + "\n")
    with open(os.path.join(ROOT, "products", "simple.csv"), "w", encoding="utf-8", newline="\n") as out:
        out.write('code,name\n4006381333931,Hazelnut spread\n"96385074","Crème brûlée, vanilla"\n'
                  '036000291452,"Tissues ""Soft"""\n5012345678900,"Pizza\nfamily size"\n')
    manifest["products"] = {"file": "products/openfoodfacts-sample.tsv", "rows": len(rows), "skipped": 2,
                            "columns": len(OFF_COLUMNS)}


def main():
    manifest = {}
    make_codes(manifest)
    make_colours(manifest)
    make_documents(manifest)
    make_labels(manifest)
    make_products(manifest)
    with open(os.path.join(ROOT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(dp, n)) for dp, _, ns in os.walk(ROOT) for n in ns)
    print(f"wrote {ROOT}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    sys.exit(main())
