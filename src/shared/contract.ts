/**
 * The one typed contract between the studio's UI and main: invoke channels (request → response) and event
 * streams (main → UI). The same zod schemas validate every request where it arrives. Runs everywhere.
 */
import { z } from 'zod';
import { PRESET_NAMES } from './config/presets';
import { RUN_ID } from './runFiles';
import type { Config } from './config/schema';
import type { RunSeries } from './series';
import type { CHANNELS, EVENTS } from './channels';

// "." and ".." would name the workspace or its parent, not a run.
const runId = z.string().regex(RUN_ID, 'must be a run name of letters, digits, ".", "_" or "-" (not only dots)');

const none = z.strictObject({});

export const requests = {
  'studio:info': none,
  /** Which backend training would use here (probed in a worker: main never loads tfjs). */
  'studio:backend': none,
  /** A native folder dialog (Electron only; the headless server answers 'unsupported'). */
  'studio:pick-folder': z.strictObject({ title: z.string().max(200).default('Choose a folder') }),
  /** Moves the workspace (where runs live); refused while a run trains. */
  'studio:set-workspace': z.strictObject({ path: z.string().min(1, 'must name a folder').max(4096) }),
  'training:start': z.strictObject({
    preset: z.enum(PRESET_NAMES as [string, ...string[]]),
    /** Fields of the config to change, group by group, as the form edits them. */
    overrides: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    runId,
  }),
  'training:pause': z.strictObject({ runId }),
  'training:resume': z.strictObject({ runId }),
  'training:stop': z.strictObject({ runId }),
  'runs:list': none,
  'runs:get': z.strictObject({ runId, maxPoints: z.number().int().min(10).max(20_000).default(1000) }),
  /** Trains a stopped run on from its checkpoint, up to its own steps or to `steps` in total. */
  'runs:continue': z.strictObject({ runId, steps: z.number().int().min(1).optional() }),
} as const;

export type Channel = keyof typeof requests;
export type RequestOf<C extends Channel> = z.input<(typeof requests)[C]>;
export type ParsedRequestOf<C extends Channel> = z.output<(typeof requests)[C]>;

export interface BackendInfo {
  name: string;
  gpu: boolean;
  /** A line a person reads: "wasm (XNNPACK, SIMD, 2 threads)". */
  description: string;
  /** Every backend tried, with why it is or is not available. */
  probes: { name: string; available: boolean; detail: string }[];
}

/** A run as the Runs view lists it. `lastSample` and sample files are paths inside the run's folder. */
export interface RunSummary {
  runId: string;
  preset: string | null;
  dataset: string;
  status: RunStatus;
  step: number;
  steps: number;
  lastSample: string | null;
  checkpoint: string | null;
  /** Why it failed, for status 'failed'. */
  message?: string;
  updatedAt: number;
}

export interface RunDetail {
  summary: RunSummary;
  config: Config;
  series: RunSeries;
  samples: { step: number; file: string }[];
}

export interface Responses {
  'studio:info': { version: string; host: 'electron' | 'server'; workspace: string; canPickFolders: boolean };
  'studio:backend': BackendInfo;
  'studio:pick-folder': { path: string | null };
  'studio:set-workspace': { workspace: string };
  'training:start': { runId: string; dir: string };
  'training:pause': { runId: string; step: number };
  'training:resume': { runId: string };
  'training:stop': { runId: string; step: number; checkpoint: string };
  'runs:list': { runs: RunSummary[] };
  'runs:get': RunDetail;
  'runs:continue': { runId: string; dir: string };
}

/** 'stopped': not training, with a checkpoint short of its steps (it can be continued). */
export type RunStatus = 'starting' | 'running' | 'paused' | 'stopped' | 'finished' | 'failed';

/** Events from main to the UI. */
export interface Events {
  'training:progress': { runId: string; step: number; epoch: number; lossD: number; lossG: number | null; dReal: number; dFake: number; imagesPerSec: number; etaSeconds: number };
  /** `file`: the grid's path inside the run's folder. */
  'training:sample': { runId: string; step: number; file: string };
  /** `backend` comes with 'running'; a failure carries its message and the last checkpoint, if any. */
  'training:status': { runId: string; status: RunStatus; step: number; message?: string; checkpoint?: string; backend?: { description: string; gpu: boolean } };
}
export type EventName = keyof Events;

// The name lists the preload allows must be exactly the contract's channels and events.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const channelListsMatch: Same<(typeof CHANNELS)[number], Channel> & Same<(typeof EVENTS)[number], EventName> = true;

/** Every failure crosses the contract as this value, never as a thrown crash. */
export interface ContractError { code: 'invalid-request' | 'unknown-channel' | 'not-found' | 'conflict' | 'unsupported' | 'internal'; message: string }

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
