/**
 * Environment TensorFlow's library reads once, as it loads. It reads the process's real environment, which only
 * the main thread can set (a worker's process.env is a copy): hosts call this before starting workers, and the
 * native backend before it loads in the main thread. A value the user set wins.
 */
export function setTensorflowEnv(): void {
  // TensorFlow's start-up notes are not ours to print (one about oneDNN comes before it reads this, and stays).
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  // oneDNN's kernels: loaded through the binding, TensorFlow 2.21 ran without them here; with them a DCGAN step
  // took ~0.7× the time (Conv2DBackpropInput ~3× faster).
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '1';
}
