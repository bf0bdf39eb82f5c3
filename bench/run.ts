/**
 * npm run bench -- [train-step] [options]   ms per training step against PyTorch (bench/train-step.ts)
 * npm run bench -- studio [options]         main's event-loop delay and the renderer's frame rate (bench/studio.ts)
 * npm run bench -- crop [options]           face-cropping throughput against native OpenCV (bench/crop.ts)
 * npm run bench -- datasets [options]       import throughput and the grid's frame rate over 50,000 items (bench/datasets.ts)
 * npm run bench -- lab [options]            slider latency in the latent lab, 28 and 64 px generators (bench/lab.ts)
 * npm run bench -- quality [options]        each quality score on known degradations of each dataset (bench/quality.ts)
 * npm run bench -- monitor [options]        what measuring quality while training costs (bench/monitor.ts)
 * npm run bench -- curves [options]         each preset's quality curve over its training (bench/curves.ts)
 * npm run bench -- eval-cost [options]      a quality measurement's cost per 1,000 samples on each backend (bench/evalCost.ts)
 * npm run bench -- small-data [options]     small-data tricks on 1,000 cartoon faces at one time budget (bench/smallData.ts)
 * npm run bench -- tricks [options]         what each small-data trick (augmentation, SN, minibatch std, R1) costs per step (bench/tricks.ts)
 * npm run bench -- ops [options]            the op census of one training step on the native backend: ops, uploads, read-backs (bench/ops.ts)
 * npm run bench -- exports [options]        exporting G (ONNX, TF.js, web toy) and running it elsewhere; video encoding (bench/exports.ts)
 * npm run bench -- transfer [options]       pre-train on two face styles, then 200 faces of a third: scratch vs fine-tuned vs FreezeD (bench/transfer.ts)
 */
const BENCHES = ['train-step', 'studio', 'crop', 'datasets', 'lab', 'quality', 'monitor', 'curves', 'eval-cost', 'tricks', 'small-data', 'transfer', 'ops', 'exports'];
const which = BENCHES.includes(process.argv[2]) ? process.argv.splice(2, 1)[0] : 'train-step';
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(`./${{ 'eval-cost': 'evalCost', 'small-data': 'smallData' }[which] ?? which}`);
