/**
 * The compiled step on the native backend: the ~700 eager ops a training step issues run as one TensorFlow
 * function instead of one by one.
 *
 * It sits between tfjs-node and its binding, so tfjs, its gradients and our models run unchanged. Inside
 * `run(fn)` the first pass executes eagerly and records every op (type, attributes, where each input came from,
 * output shapes); when the pass reads a value back (the step's metrics) the ops recorded so far become one function
 * (native-step-function.cc builds it in tfjs-node's eager context). On later passes an op that matches the
 * recording is not executed: tfjs gets a placeholder id with the recorded shape, and at the read-back the function
 * runs once with this pass's inputs. An op that does not match (another branch, other shapes, other constants)
 * executes what was held back eagerly and records anew, so a mismatch costs time, never correctness.
 *
 * A function's inputs are the tensors the pass did not make: weights, optimiser state, and everything JavaScript
 * made this pass (the real batch, latents, dropout and augmentation masks, scalars), so random draws stay in our
 * Rng and match the eager step. Small int32 tensors (shapes, axes, paddings) become constants of the graph and are
 * part of what must match. Its outputs are the tensors the pass made that are still alive at the read-back: new
 * weights, optimiser moments, the metrics.
 */
import type * as tf from './tf';

export type Attr = { name: string; type: number; value: unknown };
export interface TensorInfo { id: number; shape: number[]; dtype: number }
export interface Binding {
  executeOp(op: string, attrs: Attr[], inputs: number[], numOutputs: number): TensorInfo[];
  createTensor(shape: number[], dtype: number, data: ArrayLike<number> | undefined): number;
  deleteTensor(id: number): void;
  tensorDataSync(id: number): ArrayLike<number>;
  addStepFunction?(name: string, spec: FunctionSpec): void;
  removeStepFunction?(name: string): void;
  TF_INT32: number;
  [key: string]: unknown;
}
export interface FunctionSpec {
  inputs: [number, number[]][];
  consts: [number[], Int32Array][];
  ops: [string, Attr[], Int32Array, number][];
  outputs: Int32Array;
  xla: boolean;
}

/** Placeholder ids handed to tfjs for ops held back: above any id the binding gives out (an int32). */
const SHADOW_BASE = 2 ** 32;
/** int32 tensors at most this long may be constants (shapes, axes, permutations, paddings [4, 2]). */
const CONST_LENGTH = 8;
/**
 * The inputs of each op that say what shape its output has (-1: the last input): a small int32 tensor there is
 * baked into the function as a constant, so TensorFlow knows every shape, and another value is another recording.
 * An int32 tensor anywhere else (labels, indices) is an input like any other.
 */
const SHAPE_ARGS: Record<string, number[]> = {
  Reshape: [1], Tile: [1], Fill: [0], BroadcastTo: [1], Slice: [1, 2], StridedSlice: [1, 2, 3], StridedSliceGrad: [0, 1, 2, 3],
  Transpose: [1], Sum: [1], Mean: [1], Max: [1], Min: [1], Prod: [1], All: [1], Any: [1], ArgMax: [1], ArgMin: [1],
  Pad: [1], PadV2: [1], MirrorPad: [1], MirrorPadGrad: [1], ExpandDims: [1], Split: [0], SplitV: [1, 2], ConcatV2: [-1],
  OneHot: [1], Range: [0, 1, 2], Cumsum: [1], Cumprod: [1], ReverseV2: [1], GatherV2: [2], Roll: [1, 2], TopKV2: [1],
  ResizeBilinear: [1], ResizeNearestNeighbor: [1], ResizeNearestNeighborGrad: [1], UnsortedSegmentSum: [2],
  Conv2DBackpropInput: [0], Conv2DBackpropFilter: [1], DepthwiseConv2dNativeBackpropInput: [0], DepthwiseConv2dNativeBackpropFilter: [1],
  AvgPoolGrad: [0], StatelessRandomUniform: [0], StatelessRandomNormal: [0], BroadcastArgs: [0, 1], BroadcastGradientArgs: [0, 1],
  ScatterNd: [2], LinSpace: [2],
};
/** Distinct recordings kept per user (a trainer's steps, a generator's forward pass); past it new ones run eagerly. */
const MAX_TRACES = 6;

export interface Meta { dtype: number; shape: number[]; ints?: Int32Array }
export interface TracedOp { key: string; op: string; attrs: Attr[]; refs: number[]; outputs: Meta[] }
export interface Trace {
  ordinal: number;
  ops: TracedOp[];
  inputs: Meta[];
  consts: [number[], Int32Array][];
  outputsKey: string;
  outputCount: number;
  fn: string;
}
interface Held { op: string; attrs: Attr[]; inputs: number[]; shadows: number[] }

class Pass {
  mode: 'replay' | 'record' = 'replay';
  candidates: Trace[];
  readonly ops: TracedOp[] = [];
  readonly held: Held[] = [];
  /** Tensors this pass made → [op index, output index]. */
  readonly made = new Map<number, [number, number]>();
  /** Made by this pass and not yet deleted, in the order they were made. */
  readonly alive = new Set<number>();
  /** Shadows tfjs deleted before they were ever computed. */
  readonly dead = new Set<number>();
  /** Tensors tfjs deleted while ops were held back (the binding's ids): deleted once those ops have run. */
  readonly released: number[] = [];
  readonly externals = new Map<number, number>();
  /** The binding's ids of the inputs, in order (a weight tfjs replaces during the pass stays an input). */
  readonly externalIds: number[] = [];
  readonly inputs: Meta[] = [];
  readonly consts = new Map<string, number>();
  readonly constValues: [number[], Int32Array][] = [];
  constructor(readonly ordinal: number, traces: Trace[]) {
    this.candidates = traces.filter((t) => t.ordinal === ordinal);
  }
}

export interface CompileStatus {
  /** Whether passes may run compiled (false once building or running a function failed, or on an old build). */
  enabled: boolean;
  /** Functions it holds (built and not yet removed). */
  functions: number;
  /** Passes that ran as one function, and passes that ran eagerly (recording, or not matching a recording). */
  compiledPasses: number;
  eagerPasses: number;
  /** Milliseconds spent inside the functions (the rest of a compiled pass is JavaScript: tfjs and this recorder). */
  functionMs: number;
  /** Why it fell back to eager for good, when it did. */
  reason?: string;
}

/**
 * How a run's steps run, in a line for people: once settled (a pass compiled, or compiling given up), else undefined.
 */
export function describeCompiled(status: CompileStatus | undefined): string | undefined {
  if (!status) return undefined;
  if (status.reason) return `op by op, because ${status.reason}`;
  return status.compiledPasses > 0 ? 'compiled: each step runs as one TensorFlow function' : undefined;
}

/** What runs a pass compiled (a CompiledPasses), for code that only runs passes. */
export interface PassRunner { run<T>(pass: () => T): T }

/** One user's recordings (a trainer's steps, the lab's forward pass), each with its own functions and fallback. */
export class CompiledPasses implements PassRunner {
  readonly traces: Trace[] = [];
  readonly counts = { compiledPasses: 0, eagerPasses: 0, functionMs: 0 };
  disabledBecause?: string;

  constructor(private readonly compiler: StepCompiler, readonly xla: boolean, readonly name: string) {}

  /**
   * Runs `fn` (a step, a forward pass) compiled where it can. Everything up to its first read-back is one pass;
   * what follows a read-back is the next pass, recorded and matched on its own.
   */
  run<T>(fn: () => T): T {
    return this.compiler.run(this, fn);
  }

  status(): CompileStatus {
    return { enabled: !this.disabledBecause, functions: this.traces.length, ...this.counts, ...(this.disabledBecause && { reason: this.disabledBecause }) };
  }

  /** Removes its functions from TensorFlow's context. */
  dispose(): void {
    for (const t of this.traces.splice(0)) this.compiler.removeFunction(t.fn);
  }
}

/** Sits between tfjs-node and its binding; `passes()` hands out recorders that use it. */
export class StepCompiler {
  private pass?: Pass;
  private user?: CompiledPasses;
  private nextShadow = SHADOW_BASE;
  private nextFunction = 0;
  /** Shadows computed since: the binding's id for each. */
  private readonly real = new Map<number, number>();
  private readonly meta = new Map<number, Meta>();
  private readonly unsupported?: string;
  /** The binding tfjs-node is given: the real one's constants, our methods. */
  readonly binding: Binding;

  constructor(private readonly inner: Binding) {
    if (typeof inner.addStepFunction !== 'function') this.unsupported = 'this native build predates the compiled step: run gan-studio native install again';
    const binding: Binding = Object.create(null);
    for (const key of Object.getOwnPropertyNames(inner)) {
      const v = inner[key];
      binding[key] = typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(inner) : v;
    }
    binding.executeOp = (op, attrs, inputs, n) => this.executeOp(op, attrs, inputs, n);
    binding.createTensor = (shape, dtype, data) => this.createTensor(shape, dtype, data);
    binding.deleteTensor = (id) => this.deleteTensor(id);
    binding.tensorDataSync = (id) => this.tensorDataSync(id);
    this.binding = binding;
  }

  /** A recorder of its own for one user; `xla` asks XLA to compile its functions (`_XlaMustCompile`). */
  passes(name: string, xla = false): CompiledPasses {
    const user = new CompiledPasses(this, xla, name);
    user.disabledBecause = this.unsupported;
    return user;
  }

  run<T>(user: CompiledPasses, fn: () => T): T {
    if (user.disabledBecause || this.pass) return fn(); // a pass inside a pass is part of it
    this.user = user;
    this.pass = new Pass(0, user.traces);
    let finished = false;
    try {
      const value = fn();
      finished = true;
      return value;
    } finally {
      const pass = this.pass;
      // A pass that threw is neither run nor recorded: what it held back runs, so its tensors exist.
      if (finished && pass.ops.length > 0) this.finish();
      else if (!finished && pass.mode === 'replay') this.computeHeld(pass);
      this.pass = undefined;
      this.user = undefined;
    }
  }

  removeFunction(fn: string): void {
    this.inner.removeStepFunction?.(fn);
  }

  private executeOp(op: string, attrs: Attr[], inputs: number[], n: number): TensorInfo[] {
    const pass = this.pass;
    if (!pass) return this.eager(op, attrs, inputs, n);
    const refs: number[] = [];
    let key = `${op}${JSON.stringify(attrs)}`;
    const shapeArgs = SHAPE_ARGS[op];
    inputs.forEach((id, i) => {
      key += this.ref(pass, id, refs, shapeArgs !== undefined && (shapeArgs.includes(i) || (shapeArgs.includes(-1) && i === inputs.length - 1)));
    });
    const index = pass.ops.length;
    if (pass.mode === 'replay') {
      pass.candidates = pass.candidates.filter((t) => t.ops[index]?.key === key);
      if (pass.candidates.length > 0) {
        const outputs = pass.candidates[0].ops[index].outputs;
        const shadows = outputs.map((m, k) => {
          const id = this.nextShadow++;
          this.meta.set(id, m);
          pass.made.set(id, [index, k]);
          pass.alive.add(id);
          return id;
        });
        pass.ops.push({ key, op, attrs, refs, outputs });
        pass.held.push({ op, attrs, inputs: inputs.map((id) => (pass.made.has(id) ? id : (this.real.get(id) ?? id))), shadows });
        return shadows.map((id, k) => ({ id, shape: outputs[k].shape.slice(), dtype: outputs[k].dtype }));
      }
      this.computeHeld(pass);
    }
    const infos = this.eager(op, attrs, inputs, n);
    infos.forEach((info, k) => {
      pass.made.set(info.id, [index, k]);
      pass.alive.add(info.id);
    });
    pass.ops.push({ key, op, attrs, refs, outputs: infos.map((i) => ({ dtype: i.dtype, shape: i.shape.slice() })) });
    return infos;
  }

  /**
   * Where an input comes from, appended to `refs` as a triplet; returns its part of the op's key. A small int32
   * tensor in a shape argument is a constant (its values part of the key), anything else made outside the pass an input.
   */
  private ref(pass: Pass, id: number, refs: number[], shapeArg: boolean): string {
    const made = pass.made.get(id);
    if (made) {
      refs.push(2, made[0], made[1]);
      return `|o${made[0]}.${made[1]}`;
    }
    const m = this.meta.get(id);
    if (shapeArg && m?.ints) {
      const values = `${m.shape}:${m.ints}`;
      let c = pass.consts.get(values);
      if (c === undefined) {
        c = pass.constValues.push([m.shape, m.ints]) - 1;
        pass.consts.set(values, c);
      }
      refs.push(1, c, 0);
      return `|c${values}`;
    }
    let x = pass.externals.get(id);
    if (x === undefined) {
      if (!m) throw new Error(`the compiled step met tensor ${id}, which it never saw made`);
      x = pass.externalIds.push(this.real.get(id) ?? id) - 1;
      pass.externals.set(id, x);
      pass.inputs.push(m);
    }
    refs.push(0, x, 0);
    return `|x${x}:${m?.dtype}:${m?.shape}`;
  }

  private eager(op: string, attrs: Attr[], inputs: number[], n: number): TensorInfo[] {
    const infos = this.inner.executeOp(op, attrs, inputs.map((id) => this.real.get(id) ?? id), n);
    for (const i of infos) this.meta.set(i.id, { dtype: i.dtype, shape: i.shape });
    return infos;
  }

  /** Executes the held-back ops eagerly, in order, and goes on recording. */
  private computeHeld(pass: Pass): void {
    for (const h of pass.held) {
      const infos = this.inner.executeOp(h.op, h.attrs, h.inputs.map((id) => this.real.get(id) ?? id), h.shadows.length);
      infos.forEach((info, k) => this.real.set(h.shadows[k], info.id));
    }
    for (const id of pass.dead) {
      this.inner.deleteTensor(this.real.get(id)!);
      this.real.delete(id);
    }
    this.release(pass);
    pass.held.length = 0;
    pass.dead.clear();
    pass.mode = 'record';
    pass.candidates = [];
  }

  private createTensor(shape: number[], dtype: number, data: ArrayLike<number> | undefined): number {
    const id = this.inner.createTensor(shape, dtype, data);
    const small = dtype === this.inner.TF_INT32 && data !== undefined && data.length <= CONST_LENGTH && data.length === shape.reduce((a, b) => a * b, 1);
    this.meta.set(id, { dtype, shape: shape.slice(), ...(small && { ints: Int32Array.from(data) }) });
    return id;
  }

  private deleteTensor(id: number): void {
    this.meta.delete(id);
    const pass = this.pass;
    if (pass?.alive.delete(id) && id >= SHADOW_BASE && !this.real.has(id)) {
      pass.dead.add(id);
      return;
    }
    const real = this.real.get(id);
    if (real !== undefined) this.real.delete(id);
    if (pass?.mode === 'replay') pass.released.push(real ?? id); // a held-back op may still read it
    else this.inner.deleteTensor(real ?? id);
  }

  private release(pass: Pass): void {
    for (const id of pass.released) this.inner.deleteTensor(id);
    pass.released.length = 0;
  }

  private tensorDataSync(id: number): ArrayLike<number> {
    const pass = this.pass;
    if (pass?.alive.has(id)) {
      this.finish();
      this.pass = new Pass(pass.ordinal + 1, this.user!.traces);
    }
    return this.inner.tensorDataSync(this.real.get(id) ?? id);
  }

  /** Ends the pass: runs its function, or (after an eager pass) builds one from what was recorded. */
  private finish(): void {
    const pass = this.pass!;
    const alive = [...pass.alive];
    const outputsKey = alive.map((id) => pass.made.get(id)!.join('.')).join(',');
    if (pass.mode === 'replay') {
      const trace = pass.candidates.find((t) => t.ops.length === pass.ops.length && t.outputsKey === outputsKey);
      if (trace) {
        this.runFunction(pass, trace, alive);
        return;
      }
      this.computeHeld(pass);
    }
    const user = this.user!;
    user.counts.eagerPasses += 1;
    if (user.traces.length < MAX_TRACES && !user.disabledBecause) this.record(user, pass, alive, outputsKey);
  }

  private runFunction(pass: Pass, trace: Trace, alive: number[]): void {
    const user = this.user!;
    let infos: TensorInfo[];
    const started = performance.now();
    try {
      infos = this.inner.executeOp(trace.fn, [], pass.externalIds, trace.outputCount);
    } catch (err) {
      // TensorFlow optimises (and XLA compiles) a function when it first runs: a failure there ends compiling.
      user.disabledBecause = `the recorded ${user.name} did not run: ${firstLine(err)}`;
      this.computeHeld(pass);
      user.counts.eagerPasses += 1;
      return;
    }
    user.counts.functionMs += performance.now() - started;
    this.release(pass);
    alive.forEach((id, k) => {
      const want = this.meta.get(id)!;
      if (infos[k].shape.join() !== want.shape.join()) {
        throw new Error(`the compiled step's output ${k} is ${infos[k].shape.join('×')}, its recording says ${want.shape.join('×')}`);
      }
      this.real.set(id, infos[k].id);
    });
    user.counts.compiledPasses += 1;
  }

  private record(user: CompiledPasses, pass: Pass, alive: number[], outputsKey: string): void {
    const fn = `gan_studio_pass_${this.nextFunction++}`;
    const outputs = Int32Array.from(alive.flatMap((id) => pass.made.get(id)!));
    const spec: FunctionSpec = {
      inputs: pass.inputs.map((m) => [m.dtype, m.shape]),
      consts: pass.constValues,
      ops: pass.ops.map((o) => [o.op, o.attrs, Int32Array.from(o.refs), o.outputs.length]),
      outputs,
      xla: user.xla,
    };
    try {
      this.inner.addStepFunction!(fn, spec);
    } catch (err) {
      user.disabledBecause = `recording the ${user.name} failed: ${firstLine(err)}`;
      return;
    }
    user.traces.push({ ordinal: pass.ordinal, ops: pass.ops, inputs: pass.inputs, consts: pass.constValues, outputsKey, outputCount: alive.length, fn });
  }
}

const firstLine = (err: unknown): string => String(err instanceof Error ? err.message : err).split('\n').find((l) => l.trim() && !/^Invalid TF_Status/.test(l))?.replace(/^Message: /, '') ?? String(err);

/** The compiler in front of the native binding, when the backend was started with one. */
let current: StepCompiler | undefined;

export function withStepCompiler(binding: Binding): Binding {
  current = new StepCompiler(binding);
  return current.binding;
}

/** A recorder for `backend` (tfjs's current one) if it runs on a binding with the compiler, else undefined. */
export function compiledPasses(backend: tf.KernelBackend | undefined, name: string, xla = false): CompiledPasses | undefined {
  const binding = (backend as { binding?: unknown } | undefined)?.binding;
  return current && binding === current.binding ? current.passes(name, xla) : undefined;
}
