/** The one worker protocol: replies by id, progress on the way, errors by message, cancel, and a dead worker's requests failed. */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../src/main/workers/rpc';

type TestApi = {
  count: { args: { to: number }; progress: number; reply: string };
  fail: { args: null; progress: never; reply: never };
  wait: { args: null; progress: never; reply: string };
  crash: { args: null; progress: never; reply: never };
};

/** A worker serving TestApi, written inline and loaded through tsx like the studio's own workers. */
function testWorker(): Worker {
  const rpc = resolve(__dirname, '..', '..', 'src', 'main', 'workers', 'rpc.ts');
  return new Worker(`
    require('tsx/cjs/api').register();
    const { parentPort } = require('node:worker_threads');
    const { serve } = require(${JSON.stringify(rpc)});
    serve(parentPort, {
      count: async ({ to }, job) => { for (let i = 1; i <= to; i++) job.progress(i); return 'counted to ' + to; },
      fail: () => { throw new Error('this operation always fails'); },
      wait: (_args, job) => new Promise((done) => job.signal.addEventListener('abort', () => done('cancelled'))),
      crash: () => process.exit(3),
    });`, { eval: true });
}

describe('the worker RPC', () => {
  let client: WorkerClient<TestApi> | undefined;
  afterEach(async () => {
    await client?.worker.terminate();
  });

  it('answers each request by its id, with its progress on the way, concurrently', async () => {
    client = new WorkerClient<TestApi>(testWorker());
    const seen: number[] = [];
    const a = client.call('count', { to: 3 }, (p) => seen.push(p));
    const b = client.call('count', { to: 1 });
    expect(a.id).not.toBe(b.id);
    expect(await Promise.all([a.reply, b.reply])).toEqual(['counted to 3', 'counted to 1']);
    expect(seen).toEqual([1, 2, 3]);
    expect(client.busy).toBe(false);
  });

  it('turns a thrown error into a rejection with its message, and names an unknown operation', async () => {
    client = new WorkerClient<TestApi>(testWorker());
    await expect(client.call('fail', null).reply).rejects.toThrow('this operation always fails');
    await expect((client as unknown as WorkerClient<{ nope: { args: null; progress: never; reply: never } }>).call('nope', null).reply).rejects.toThrow("this worker has no operation 'nope'");
  });

  it('cancels one request by its id, leaving the others', async () => {
    client = new WorkerClient<TestApi>(testWorker());
    const waiting = client.call('wait', null);
    const other = client.call('count', { to: 2 });
    expect(client.busy).toBe(true);
    client.cancel(waiting.id);
    expect(await waiting.reply).toBe('cancelled');
    expect(await other.reply).toBe('counted to 2');
  });

  it('fails every waiting request when the worker dies', async () => {
    client = new WorkerClient<TestApi>(testWorker());
    const waiting = client.call('wait', null);
    const crashing = client.call('crash', null);
    await expect(crashing.reply).rejects.toThrow(/the worker stopped \(exit code 3\)/);
    await expect(waiting.reply).rejects.toThrow(/exit code 3/);
  });
});
