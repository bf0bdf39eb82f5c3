/**
 * npm run fuzz [-- --n 1000 --seed 1]: throws random and truncated input at a running `gan-studio serve` and at the
 * config reader: pictures (imported as a folder), configs (as training requests and as --config files), bookmark
 * files, contract frames and HTTP paths. Prints, per kind, how many inputs were refused naming the field or file at
 * fault, how many were accepted, and how many crashed the server (should be 0); exits 1 on a crash, on a refusal
 * that names nothing, or on a picture served without the token. For HTTP paths "refused" is a 400, 403 or 404.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import WebSocket from 'ws';
import { configFromOptions } from '../src/main/cli/configOptions';
import { Rng } from '../src/main/engine/training/rng';
import { configFields } from '../src/shared/config/form';
import { requests } from '../src/shared/contract';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } } });
const PER_KIND = Math.max(1, Math.round(Number(args.n) / 6));
const rng = Rng.fromSeed(Number(args.seed));
const pick = <T>(xs: readonly T[]): T => xs[rng.below(xs.length)];
const BIN = resolve(__dirname, '..', 'bin', 'gan-studio.cjs');
/** A refusal names what is wrong: "field.path: …", or a quoted file name. */
const NAMES_SOMETHING = /([A-Za-z]+(\.[A-Za-z0-9]+)*: )|('[^']+')/;

interface Tally { inputs: number; refusedByName: number; accepted: number; unnamed: string[] }
const tally = (): Tally => ({ inputs: 0, refusedByName: 0, accepted: 0, unnamed: [] });

function randomValue(depth = 0): unknown {
  switch (rng.below(depth > 2 ? 6 : 9)) {
    case 0: return null;
    case 1: return rng.uniform() < 0.5;
    case 2: return pick([0, -1, 1e308, -1e-300, 0.5, 2 ** 53, 7, 4096, 1e9]);
    case 3: return pick(['', '..', '../../etc/passwd', 'x'.repeat(5000), '\u0000', '%2e%2e', 'mnist', 'folder', '💥', '{"a":']);
    case 4: return rng.normals(1)[0] * 1000;
    case 5: return String(rng.nextUint32());
    case 6: return Array.from({ length: rng.below(4) }, () => randomValue(depth + 1));
    default: return Object.fromEntries(Array.from({ length: rng.below(4) }, () => [pick(['a', 'model', 'train', 'runId', 'path', '__proto__', 'constructor', 'x.y']), randomValue(depth + 1)]));
  }
}

function startServer(workspace: string): Promise<{ child: ChildProcess; port: number; token: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--workspace', workspace, '--backend', 'wasm'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\w+)/.exec(out);
      if (m) done({ child, port: Number(m[1]), token: m[2] });
    });
    child.once('exit', (code) => fail(new Error(`serve exited with ${code}`)));
  });
}

function get(port: number, path: string): Promise<number> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', () => done(res.statusCode ?? 0));
    });
    req.on('error', () => done(-1));
    req.end();
  });
}

class Client {
  private next = 1;
  private readonly waiting = new Map<number, (reply: { ok: boolean; error?: { message: string } }) => void>();
  readonly events: { event: string; payload: Record<string, unknown> }[] = [];
  private constructor(readonly ws: WebSocket) {
    // a server that dies ends every waiting call, and its socket's error must not end the fuzzer
    ws.on('error', () => {});
    ws.on('close', () => {
      for (const done of this.waiting.values()) done({ ok: false, error: { message: 'the connection closed' } });
      this.waiting.clear();
    });
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.event) this.events.push(m);
      else this.waiting.get(m.id)?.(m.reply);
    });
  }
  static open(port: number, token: string): Promise<Client> {
    return new Promise((done, fail) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`);
      ws.once('open', () => done(new Client(ws)));
      ws.on('error', fail);
    });
  }
  call(channel: string, payload: unknown): Promise<{ ok: boolean; value?: unknown; error?: { message: string } }> {
    const id = this.next++;
    return new Promise((done) => {
      if (this.ws.readyState !== WebSocket.OPEN) return done({ ok: false, error: { message: 'the connection closed' } });
      this.waiting.set(id, (reply) => (this.waiting.delete(id), done(reply)));
      this.ws.send(JSON.stringify({ id, channel, payload }));
    });
  }
}

function judge(t: Tally, reply: { ok: boolean; error?: { message: string } }, input: string): void {
  t.inputs++;
  if (reply.ok) t.accepted++;
  else if (NAMES_SOMETHING.test(reply.error!.message)) t.refusedByName++;
  else t.unnamed.push(`${input} → ${reply.error!.message}`);
}

/** A PNG header claiming a huge picture: a decompression bomb's first bytes (CRC left wrong on purpose half the time). */
function claimedPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'ascii');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr.set([8, 0, 0, 0, 0], 16);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, deflateSync(Buffer.alloc(16))]);
}

async function pictures(client: Client, root: string): Promise<Tally> {
  const t = tally();
  const dir = join(root, 'pictures');
  mkdirSync(dir);
  const good = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366aa' } }).png().toBuffer();
  const jpeg = await sharp(good).jpeg().toBuffer();
  const names: string[] = [];
  for (let i = 0; i < PER_KIND; i++) {
    const kind = rng.below(5);
    const bytes = kind === 0 ? Buffer.from(Array.from({ length: rng.below(4000) }, () => rng.below(256)))
      : kind === 1 ? good.subarray(0, rng.below(good.length))
        : kind === 2 ? jpeg.subarray(0, rng.below(jpeg.length))
          : kind === 3 ? claimedPng(1 + rng.below(60_000), 1 + rng.below(60_000))
            : Buffer.alloc(0);
    const name = `p${i}.${pick(['png', 'jpg', 'webp', 'gif'])}`;
    writeFileSync(join(dir, name), bytes);
    names.push(name);
  }
  const started = await client.call('datasets:import', { name: 'fuzz', dir });
  if (!started.ok) throw new Error(`import did not start: ${started.error!.message}`);
  const { jobId, datasetId } = started.value as { jobId: number; datasetId: number };
  while (!client.events.some((e) => e.event === 'job:progress' && e.payload.jobId === jobId && e.payload.status !== 'running')) await new Promise((r) => setTimeout(r, 100));
  const problems = (await client.call('datasets:problems', { datasetId })).value as { problems: { path: string; reason: string }[] };
  const listed = new Map(problems.problems.map((p) => [p.path, p.reason]));
  for (const name of names) {
    t.inputs++;
    if (!listed.has(name)) t.accepted++;
    else if (listed.get(name)!.length > 0) t.refusedByName++;
    else t.unnamed.push(`${name}: listed without a reason`);
  }
  return t;
}

async function configRequests(client: Client): Promise<Tally> {
  const t = tally();
  const fields = configFields();
  for (let i = 0; i < PER_KIND; i++) {
    const f = pick(fields);
    const bad = pick([
      () => ({ [f.group]: { [f.key]: randomValue() } }),
      () => ({ [f.group]: { [`${f.key}x`]: 1 } }),
      () => ({ [`${f.group}s`]: { [f.key]: 1 } }),
      () => ({ [f.group]: { [f.key]: f.max !== undefined ? f.max * 10 + 1 : 'not this' } }),
      () => ({ [f.group]: { [f.key]: f.min !== undefined ? f.min - 1 : ['a'] } }),
      () => ({ [f.group]: randomValue() }),
    ])();
    const reply = await client.call('training:start', { preset: 'mnist-quick', runId: `fuzz-${i}`, overrides: bad, backend: 'wasm' });
    if (reply.ok) await client.call('training:stop', { runId: `fuzz-${i}` });
    judge(t, reply, JSON.stringify(bad).slice(0, 120));
  }
  return t;
}

function configFiles(root: string): Tally {
  const t = tally();
  const valid = JSON.stringify({ preset: 'mnist-quick', model: { width: 0.125 }, train: { steps: 3 } });
  for (let i = 0; i < PER_KIND; i++) {
    const file = join(root, `config-${i}.json`);
    const text = pick([
      () => valid.slice(0, rng.below(valid.length)),
      () => JSON.stringify(randomValue()),
      () => JSON.stringify({ preset: pick(['mnist-quick', 'nope', 3]), [pick(['model', 'train', 'data', 'x'])]: randomValue() }),
      () => Buffer.from(Array.from({ length: rng.below(200) }, () => rng.below(256))).toString('latin1'),
    ])();
    writeFileSync(file, text);
    try {
      configFromOptions({ configFile: file });
      judge(t, { ok: true }, text);
    } catch (err) {
      judge(t, { ok: false, error: { message: (err as Error).message } }, text.slice(0, 120));
    }
  }
  return t;
}

async function bookmarkFiles(client: Client): Promise<Tally> {
  const t = tally();
  const valid = { format: 'gan-studio-bookmarks', version: 1, bookmarks: [{ name: 'a', runId: 'r', step: 1, latent: [0.1, 0.2], label: null, tags: [], origin: 'sample', createdAt: 1 }] };
  for (let i = 0; i < PER_KIND; i++) {
    const file = structuredClone(valid) as Record<string, unknown> & { bookmarks: Record<string, unknown>[] };
    const key = pick(['name', 'runId', 'step', 'latent', 'label', 'tags', 'origin', 'createdAt', 'extra']);
    if (rng.uniform() < 0.8) file.bookmarks[0][key] = pick([randomValue(), '../other', '..', -1, [Number.MAX_VALUE, 'x'], '']);
    else file[pick(['format', 'version', 'bookmarks'])] = randomValue();
    judge(t, await client.call('bookmarks:import', { file }), JSON.stringify(file).slice(0, 120));
  }
  return t;
}

/** Random frames on one socket; channels that touch the file system outside the workspace are left out. */
async function frames(port: number, token: string): Promise<Tally> {
  const t = tally();
  const risky = new Set(['studio:set-workspace', 'native:install', 'faces:crop', 'datasets:import', 'training:start', 'runs:continue', 'lab:export']);
  const channels = Object.keys(requests).filter((c) => !risky.has(c));
  let client = await Client.open(port, token);
  for (let i = 0; i < PER_KIND; i++) {
    const kind = rng.below(4);
    if (kind === 0) {
      // not JSON, truncated JSON or bytes: answered with id null, or the socket is closed (invalid UTF-8)
      const text = pick(['', 'null', '[', '{"id":1,"channel":', JSON.stringify(randomValue()), Buffer.from([0xff, 0xfe, rng.below(256)]).toString('latin1')]);
      const answered = await new Promise<string>((done) => {
        const onMessage = (raw: WebSocket.RawData): void => finish(JSON.parse(raw.toString()).reply?.error?.message ?? 'ok');
        const onClose = (): void => finish('closed');
        const finish = (what: string): void => {
          client.ws.off('message', onMessage).off('close', onClose);
          done(what);
        };
        client.ws.on('message', onMessage).on('close', onClose);
        client.ws.send(text);
      });
      t.inputs++;
      if (answered === 'closed') {
        t.refusedByName++;
        client = await Client.open(port, token);
      } else if (NAMES_SOMETHING.test(answered) || /a message must be/.test(answered)) t.refusedByName++;
      else t.unnamed.push(`${text.slice(0, 60)} → ${answered}`);
      continue;
    }
    const channel = kind === 1 ? `${pick(channels)}${pick(['', 'x', ':'])}` : pick(channels);
    const payload = kind === 3 ? randomValue() : Object.fromEntries([[pick(['runId', 'datasetId', 'ids', 'latent', 'x']), randomValue()]]);
    const reply = await client.call(channel, payload);
    judge(t, reply, `${channel} ${JSON.stringify(payload)?.slice(0, 80)}`);
  }
  client.ws.close();
  return t;
}

async function paths(port: number, token: string): Promise<Tally & { servedWithoutToken: number }> {
  const t = { ...tally(), servedWithoutToken: 0 };
  const parts = ['assets', 'items', '1', 'runs', 'thumbnails', '..', '.', '%2e%2e', '%2E', '%2f', '%5c', '\\', '%', '%zz', '%00', '%C0%AE', 'index.html', '~', 'a'.repeat(300), '💥', '%F0%9F'];
  for (let i = 0; i < PER_KIND; i++) {
    const path = `/${Array.from({ length: 1 + rng.below(5) }, () => pick(parts)).join(pick(['/', '/', '', '\\']))}`;
    const withToken = rng.uniform() < 0.5;
    const status = await get(port, encodeURI(path).replace(/%25/g, '%') + (withToken ? `?token=${token}` : ''));
    t.inputs++;
    if (status === 200) {
      t.accepted++;
      if (!withToken) t.servedWithoutToken++;
    } else if ([400, 403, 404].includes(status)) t.refusedByName++;
    else t.unnamed.push(`${path} → ${status}`);
  }
  return t;
}

/** The server under test; a crash is counted and a fresh one started, so one finding does not hide the others. */
class Target {
  crashes = 0;
  private server!: { child: ChildProcess; port: number; token: string };
  client!: Client;
  constructor(private readonly workspace: string) {}
  get port(): number { return this.server.port; }
  get token(): string { return this.server.token; }
  async start(): Promise<void> {
    this.server = await startServer(this.workspace);
    this.client = await Client.open(this.server.port, this.server.token);
  }
  /** Whether the server still answers (a dying process may not have exited yet). */
  async alive(): Promise<boolean> {
    return (await get(this.server.port, `/?token=${this.server.token}`)) > 0;
  }
  /** Runs one kind of input; when the server died on it, counts the crash and restarts it. */
  async phase<T>(name: string, run: () => Promise<T>): Promise<T | { crashedOn: string }> {
    try {
      const result = await run();
      if (await this.alive()) return result;
    } catch (err) {
      if (await this.alive()) throw err;
    }
    this.server.child.kill('SIGKILL');
    this.crashes++;
    await this.start();
    return { crashedOn: name };
  }
  stop(): void {
    this.client.ws.close();
    this.server.child.kill('SIGINT');
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'gan-fuzz-'));
  const target = new Target(join(root, 'workspace'));
  await target.start();
  const started = performance.now();
  const results = {
    pictures: await target.phase('pictures', () => pictures(target.client, root)),
    configRequests: await target.phase('configs', () => configRequests(target.client)),
    configFiles: configFiles(root),
    bookmarkFiles: await target.phase('bookmark files', () => bookmarkFiles(target.client)),
    frames: await target.phase('frames', () => frames(target.port, target.token)),
    httpPaths: await target.phase('HTTP paths', () => paths(target.port, target.token)),
  };
  if (!(await target.alive())) target.crashes++;
  target.stop();
  const tallies = Object.values(results).filter((r): r is Tally => 'inputs' in r);
  const summary = {
    inputs: tallies.reduce((n, r) => n + r.inputs, 0),
    crashes: target.crashes,
    seconds: Math.round((performance.now() - started) / 1000),
    ...Object.fromEntries(Object.entries(results).map(([k, r]) => [k, 'inputs' in r ? { ...r, unnamed: r.unnamed.slice(0, 5), unnamedCount: r.unnamed.length } : r])),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (summary.crashes > 0 || tallies.some((r) => r.unnamed.length > 0) || ('servedWithoutToken' in results.httpPaths && results.httpPaths.servedWithoutToken > 0)) process.exitCode = 1;
}

void main();
