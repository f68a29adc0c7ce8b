"""PIL's Lanczos resize, the reference of LanczosResizeTest: python3 pil_resize.py IN.png OUT.png WIDTH HEIGHT (RGB)."""
import sys

from PIL import Image

source, target, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
Image.open(source).convert("RGB").resize((width, height), Image.LANCZOS).save(target)
