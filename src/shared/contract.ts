/**
 * The one typed contract between the studio's UI and main: invoke channels (request → response) and event
 * streams (main → UI). The same zod schemas validate every request where it arrives. Runs everywhere.
 */
import { z } from 'zod';
import { PRESET_NAMES } from './config/presets';
import type { CHANNELS, EVENTS } from './channels';

const runId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be a run name of letters, digits, ".", "_" or "-"');

export const requests = {
  'training:start': z.strictObject({
    preset: z.enum(PRESET_NAMES as [string, ...string[]]),
    /** Fields of the config to change, group by group, as the form edits them. */
    overrides: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    runId,
  }),
  'training:pause': z.strictObject({ runId }),
  'training:resume': z.strictObject({ runId }),
  'training:stop': z.strictObject({ runId }),
} as const;

export type Channel = keyof typeof requests;
export type RequestOf<C extends Channel> = z.input<(typeof requests)[C]>;
export type ParsedRequestOf<C extends Channel> = z.output<(typeof requests)[C]>;

export interface Responses {
  'training:start': { runId: string; dir: string };
  'training:pause': { runId: string; step: number };
  'training:resume': { runId: string };
  'training:stop': { runId: string; step: number; checkpoint: string };
}

export type RunStatus = 'starting' | 'running' | 'paused' | 'stopping' | 'finished' | 'failed';

/** Events from main to the UI. */
export interface Events {
  'training:progress': { runId: string; step: number; epoch: number; lossD: number; lossG: number | null; dReal: number; dFake: number; imagesPerSec: number; etaSeconds: number };
  'training:sample': { runId: string; step: number; file: string };
  'training:status': { runId: string; status: RunStatus; step: number; message?: string; checkpoint?: string };
}
export type EventName = keyof Events;

// The name lists the preload allows must be exactly the contract's channels and events.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const channelListsMatch: Same<(typeof CHANNELS)[number], Channel> & Same<(typeof EVENTS)[number], EventName> = true;

/** Every failure crosses the contract as this value, never as a thrown crash. */
export interface ContractError { code: 'invalid-request' | 'unknown-channel' | 'not-found' | 'conflict' | 'internal'; message: string }

export type Reply<C extends Channel> = { ok: true; value: Responses[C] } | { ok: false; error: ContractError };

/** Validates a request that arrived from outside: a typed error naming the field, or the parsed request. */
export function parseRequest<C extends Channel>(channel: string, payload: unknown): { ok: true; channel: C; request: ParsedRequestOf<C> } | { ok: false; error: ContractError } {
  if (!Object.hasOwn(requests, channel)) return { ok: false, error: { code: 'unknown-channel', message: `unknown channel '${channel}'` } };
  const result = requests[channel as Channel].safeParse(payload);
  if (!result.success) {
    const message = result.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ');
    return { ok: false, error: { code: 'invalid-request', message: `${channel}: ${message}` } };
  }
  return { ok: true, channel: channel as C, request: result.data as ParsedRequestOf<C> };
}
