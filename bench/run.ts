/**
 * npm run bench -- [train-step] [options]   ms per training step against PyTorch (bench/train-step.ts)
 * npm run bench -- studio [options]         main's event-loop delay and the renderer's frame rate (bench/studio.ts)
 */
const which = process.argv[2] === 'studio' || process.argv[2] === 'train-step' ? process.argv.splice(2, 1)[0] : 'train-step';
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(which === 'studio' ? './studio' : './train-step');
