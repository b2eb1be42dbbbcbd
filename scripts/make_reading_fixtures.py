#!/usr/bin/python3
"""Renders Tests/Fixtures/reading/letter.png: a short letter of four sentences in black
DejaVu Sans on white, for the reading-control tests (pause, resume, next, previous, spell)
that drive the daemon's text reading. Run from the repository root; needs python3-pil and
fonts-dejavu-core."""
from PIL import Image, ImageDraw, ImageFont

LINES = [
    "Your appointment is on Monday.",
    "Please arrive ten minutes early.",
    "Bring your insurance card.",
    "Call us if you cannot come.",
]

def main():
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 44)
    image = Image.new("RGB", (1100, 120 + 90 * len(LINES)), (250, 250, 247))
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(LINES):
        draw.text((70, 60 + 90 * index), line, font=font, fill=(20, 20, 20))
    image.save("Tests/Fixtures/reading/letter.png", optimize=True)

if __name__ == "__main__":
    main()
