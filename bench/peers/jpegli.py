"""Peer encoder for the equal-SSIM sweep (bench/BYTES.md): jpegli (PyPI pyjpegli 0.3.2,
its defaults) encodes the pixels the lever tool wrote (INPUT_PPM=1) at qualities 56..95
into a lever directory for `sweep.mjs --levers`. Not a dependency of the project:
  python3 -m venv /tmp/jpegli && /tmp/jpegli/bin/pip install pyjpegli==0.3.2
  /tmp/jpegli/bin/python bench/peers/jpegli.py LEVER_DIR
"""
import os
import sys

import pyjpegli

root = sys.argv[1]
for photo in sorted(os.listdir(root)):
    ppm = os.path.join(root, photo, "input.ppm")
    if not os.path.exists(ppm):
        continue
    with open(ppm, "rb") as f:
        magic, size, maxval, rgb = f.read().split(b"\n", 3)
    assert magic == b"P6" and maxval == b"255", "lever tool's PPM expected"
    width, height = map(int, size.split())
    out = os.path.join(root, photo, "jpegli")
    os.makedirs(out, exist_ok=True)
    for quality in range(56, 96, 3):
        with open(os.path.join(out, f"{quality}.jpg"), "wb") as f:
            f.write(pyjpegli.encode(rgb, width, height, quality))
    print(photo, "jpegli done", flush=True)
