/**
 * Cascade face detection, the seeds' recipe: grey image, histogram equalised, detectMultiScale with a scale
 * factor, a neighbour count and a minimum size. Every Mat is deleted: WebAssembly memory is not collected.
 */
import type { OpenCv, Rect } from './opencv';

export interface DetectParams { scaleFactor: number; minNeighbors: number; minSize: number }

export const DEFAULT_DETECT: DetectParams = { scaleFactor: 1.1, minNeighbors: 5, minSize: 48 };

export interface FaceDetector {
  /** Boxes of the faces in an RGBA picture, largest first. */
  detect(rgba: Uint8Array, width: number, height: number, params?: DetectParams): Rect[];
  dispose(): void;
}

export function createFaceDetector(cv: OpenCv, cascadeXml: Uint8Array, name: string): FaceDetector {
  const file = `cascade-${name.replace(/[^A-Za-z0-9_-]/g, '_')}.xml`;
  cv.FS_createDataFile('/', file, cascadeXml, true, false, false);
  const classifier = new cv.CascadeClassifier();
  if (!classifier.load(file)) {
    classifier.delete();
    throw new Error(`cascade '${name}' is not an OpenCV cascade file`);
  }
  return {
    detect(rgba, width, height, params = DEFAULT_DETECT) {
      const image = new cv.Mat(height, width, cv.CV_8UC4);
      const gray = new cv.Mat();
      const found = new cv.RectVector();
      try {
        image.data.set(rgba);
        cv.cvtColor(image, gray, cv.COLOR_RGBA2GRAY);
        cv.equalizeHist(gray, gray);
        classifier.detectMultiScale(gray, found, params.scaleFactor, params.minNeighbors, 0, new cv.Size(params.minSize, params.minSize), new cv.Size(0, 0));
        const boxes: Rect[] = [];
        for (let i = 0; i < found.size(); i++) {
          const { x, y, width: w, height: h } = found.get(i);
          boxes.push({ x, y, width: w, height: h });
        }
        return boxes.sort((a, b) => b.width * b.height - a.width * a.height);
      } finally {
        image.delete();
        gray.delete();
        found.delete();
      }
    },
    dispose: () => classifier.delete(),
  };
}
