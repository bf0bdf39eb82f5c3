/**
 * OpenCV as WebAssembly (@techstark/opencv-js, pinned): the few functions cascade detection needs, typed here
 * because the package ships no declarations. The module is ready at `onRuntimeInitialized`; awaiting the module
 * object itself never settles (it is a thenable that resolves to itself).
 */
export interface Mat { data: Uint8Array; delete(): void }
export interface Rect { x: number; y: number; width: number; height: number }
export interface RectVector { size(): number; get(i: number): Rect; delete(): void }
export interface CascadeClassifier {
  load(file: string): boolean;
  detectMultiScale(image: Mat, objects: RectVector, scaleFactor: number, minNeighbors: number, flags: number, minSize: unknown, maxSize: unknown): void;
  delete(): void;
}
export interface OpenCv {
  Mat: new (rows?: number, cols?: number, type?: number) => Mat;
  RectVector: new () => RectVector;
  Size: new (width: number, height: number) => unknown;
  CascadeClassifier: new () => CascadeClassifier;
  CV_8UC4: number;
  COLOR_RGBA2GRAY: number;
  cvtColor(src: Mat, dst: Mat, code: number): void;
  equalizeHist(src: Mat, dst: Mat): void;
  FS_createDataFile(parent: string, name: string, data: Uint8Array, canRead: boolean, canWrite: boolean, canOwn: boolean): void;
}

let loading: Promise<{ cv: OpenCv }> | undefined;

/**
 * The OpenCV module of this thread, initialised once (each worker thread has its own). Wrapped in an object:
 * resolving a promise with the module would adopt its `then` and hang.
 */
export function loadOpenCv(): Promise<{ cv: OpenCv }> {
  loading ??= new Promise((resolve) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cv = require('@techstark/opencv-js') as OpenCv & { onRuntimeInitialized?: () => void };
    if (typeof cv.Mat === 'function' && typeof cv.CascadeClassifier === 'function') resolve({ cv });
    else cv.onRuntimeInitialized = () => resolve({ cv });
  });
  return loading;
}
