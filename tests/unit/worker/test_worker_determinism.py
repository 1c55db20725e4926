"""At-least-once rests on this: the same upload processed again gives byte-identical outputs.

Checked across fresh processes, since libvips schedules its work on threads.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from aerostore.images import process

DIGESTS = """
import hashlib, sys
from aerostore.images import process
processed = process(open(sys.argv[1], "rb").read())
print(" ".join(hashlib.sha256(o.data).hexdigest() for o in processed.outputs))
"""


def test_outputs_are_identical_across_processes(tmp_path: Path) -> None:
    image = Image.new("RGB", (3000, 2000), (40, 90, 200))
    ImageDraw.Draw(image).ellipse((300, 200, 2100, 1700), fill=(250, 200, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90, exif=exif)
    path = tmp_path / "upload.jpg"
    path.write_bytes(buf.getvalue())
    here = " ".join(hashlib.sha256(o.data).hexdigest() for o in process(buf.getvalue()).outputs)
    command = [sys.executable, "-c", DIGESTS, str(path)]
    runs = {subprocess.run(command, capture_output=True, text=True, check=True).stdout for _ in range(2)}
    assert runs == {here + "\n"}
