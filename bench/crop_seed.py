"""The seeds' anime-face recipe with native OpenCV (Debian python3-opencv), as the crop benchmark's yardstick.

    /usr/bin/python3 bench/crop_seed.py INPUT_DIR OUT_DIR CASCADE [--json]

For every picture: equalised grey image, detectMultiScale(1.1, 5, min 48 px), crop, resize to 96 px, write PNG.
Prints one JSON line: pictures, faces, seconds, and each picture's boxes (for the parity check).
"""
import glob
import json
import os
import sys
import time

import cv2


def main():
    input_dir, out_dir, cascade_file = sys.argv[1:4]
    cascade = cv2.CascadeClassifier(cascade_file)
    os.makedirs(out_dir, exist_ok=True)
    files = sorted(f for f in glob.glob(os.path.join(input_dir, "**", "*"), recursive=True)
                   if f.lower().endswith((".png", ".jpg", ".jpeg", ".webp", ".bmp")))
    boxes, faces = {}, 0
    started = time.perf_counter()
    for path in files:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            continue
        gray = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(48, 48))
        rel = os.path.relpath(path, input_dir)
        boxes[rel] = [[int(v) for v in box] for box in found]
        for i, (x, y, w, h) in enumerate(found):
            face = cv2.resize(image[y:y + h, x:x + w], (96, 96), interpolation=cv2.INTER_AREA)
            cv2.imwrite(os.path.join(out_dir, "%s-%d.png" % (rel.replace(os.sep, "_"), i)), face)
            faces += 1
    print(json.dumps({"pictures": len(files), "faces": faces, "seconds": time.perf_counter() - started,
                      "opencv": cv2.__version__, "boxes": boxes}))


if __name__ == "__main__":
    main()
