/**
 * Image networks whose trained weights ship inside an npm package (@vladmandic/human's models folder, MIT), loaded
 * from disk as tfjs graph models: nothing is downloaded at run time. Their inputs are declared 224 × 224 or
 * 512 × 512; we open the spatial sizes, since we read only pooled layers.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadGraphModelSync, type GraphModel } from '@tensorflow/tfjs-converter';
import type { io } from '../runtime/tf';

// The package exports only its code; its models folder sits beside dist/.
const MODELS = join(dirname(require.resolve('@vladmandic/human')), '..', 'models');

interface ModelJson {
  modelTopology: { node: { op: string; attr?: { shape?: { shape?: { dim?: unknown[] } } } }[] };
  signature: { inputs: Record<string, { tensorShape: { dim: unknown[] } }> };
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
  format: string;
  generatedBy: string;
  convertedBy: string;
}

export function loadShippedNetwork(name: string): GraphModel<io.IOHandlerSync> {
  const file = join(MODELS, `${name}.json`);
  const json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
  const open = (dims: unknown[]): { size: string }[] => dims.map((_, i) => ({ size: i === dims.length - 1 ? '3' : '-1' }));
  for (const input of Object.values(json.signature.inputs)) input.tensorShape.dim = open(input.tensorShape.dim);
  for (const node of json.modelTopology.node) {
    const shape = node.attr?.shape?.shape;
    if (node.op === 'Placeholder' && shape?.dim) shape.dim = open(shape.dim);
  }
  const weights = Buffer.concat(json.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(MODELS, p)))));
  return loadGraphModelSync({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
  });
}
