/** Helpers for tests that drive a Studio over its contract. */
import type { Responses } from '../../src/shared/contract';
import type { Studio } from '../../src/main/services/studio';

/** A channel's reply value, or an error naming the channel and the studio's message. */
export function valueOf(studio: Studio): <T>(channel: string, payload: unknown) => Promise<T> {
  return async <T>(channel: string, payload: unknown): Promise<T> => {
    const reply = await studio.handle(channel, payload);
    if (!reply.ok) throw new Error(`${channel}: ${reply.error.message}`);
    return reply.value as T;
  };
}

/** Overrides for a mnist-quick run of 4 steps that trains in seconds (samples and checkpoints every 2). */
export const TINY_RUN = { model: { width: 0.125, latentDim: 8 }, data: { limit: 64 }, train: { batchSize: 8, steps: 4 }, monitor: { sampleEvery: 2, checkpointEvery: 2 } };

/** Trains the tiny run `runId` and waits until it is listed as finished. */
export async function trainTinyRun(studio: Studio, runId: string): Promise<void> {
  const value = valueOf(studio);
  await value('training:start', { preset: 'mnist-quick', runId, overrides: TINY_RUN });
  while (!(await value<Responses['runs:list']>('runs:list', {})).runs.some((r) => r.runId === runId && r.status === 'finished')) await new Promise((r) => setTimeout(r, 100));
}
