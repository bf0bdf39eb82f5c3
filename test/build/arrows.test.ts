/** The house's arrows are enforced by ESLint: an upward import in each room fails lint, a downward one passes. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function refused(filePath: string, specifier: string): Promise<boolean> {
  const [result] = await eslint.lintText(`import { x } from '${specifier}';\nexport const y = x;\n`, { filePath });
  return result.messages.some((m) => m.ruleId === '@typescript-eslint/no-restricted-imports');
}

describe('import arrows', () => {
  it.each([
    ['src/main/engine/training/x.ts', '../../services/studio'],
    ['src/main/engine/models/x.ts', '../../catalogue/db'],
    ['src/main/engine/x.ts', '../workers/workers'],
    ['src/main/engine/x.ts', '../host/wsServer'],
    ['src/main/catalogue/x.ts', '../services/cropJob'],
    ['src/main/catalogue/x.ts', '../workers/latentWorker'],
    ['src/main/collect/x.ts', '../services/collect'],
    ['src/main/engine/data/x.ts', '../../collect/collector'],
    ['src/main/workers/x.ts', '../services/training'],
    ['src/main/services/x.ts', '../host/wsServer'],
    ['src/main/services/x.ts', '../cli/progressLine'],
    ['src/shared/x.ts', '../main/engine/training/trainer'],
    ['src/shared/x.ts', 'node:fs'],
    ['src/renderer/src/x.ts', '../../main/services/studio'],
    ['src/renderer/src/x.ts', '../../shared/../main/host/ipc'],
    ['src/main/services/x.ts', 'electron'],
  ])('refuses %s importing %s', async (file, specifier) => {
    expect(await refused(file, specifier)).toBe(true);
  });

  it.each([
    ['src/main/services/x.ts', '../workers/workers'],
    ['src/main/workers/x.ts', '../engine/training/run'],
    ['src/main/workers/x.ts', '../catalogue/pack'],
    ['src/main/catalogue/x.ts', '../engine/data/decodeProblems'],
    ['src/main/services/x.ts', '../collect/collector'],
    ['src/main/host/x.ts', '../services/studio'],
    ['src/main/cli.ts', './host/wsServer'],
    ['src/renderer/src/x.ts', '../../shared/contract'],
  ])('lets %s import %s', async (file, specifier) => {
    expect(await refused(file, specifier)).toBe(false);
  });
});
