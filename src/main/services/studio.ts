/**
 * The whole contract behind one `handle`: validates each request, routes it to its service, and turns every
 * failure into a typed error. Hosts (Electron's ipcMain, the WebSocket server) hand it their capabilities
 * (dialogs, where settings live) and subscribe to its events.
 */
import { mkdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../../shared/config/schema';
import { parseRequest, type BackendInfo, type Channel, type EventListener, type Events, type EventName, type ParsedRequestOf, type Reply, type Responses } from '../../shared/contract';
import type { BackendName } from '../engine/runtime/backend';
import { pictureFileIn } from './pictureFile';
import type { ProbeApi } from '../workers/probeWorker';
import { WorkerClient } from '../workers/rpc';
import { startWorker } from '../workers/workers';
import { ITEM_PATH } from '../../shared/picturePaths';
import { DatasetService } from './datasets';
import { LatentService } from './latent';
import { CurationService } from './curation';
import { NativeService } from './native';
import { ServiceError } from './errors';
import { JobRegistry } from './jobs';
import { timelapse } from './timelapse';
import { startCollect } from './collect';
import { listSweeps, startSweep, sweepResults } from './sweeps';
import { listRuns, runDetail } from './runs';
import { TrainingService } from './training';
import { version as VERSION } from '../../../package.json';

type Handlers = { [C in Channel]: (request: ParsedRequestOf<C>) => Promise<Responses[C]> | Responses[C] };

export interface HostCapabilities {
  kind: 'electron' | 'server';
  /** A native folder dialog; absent where there is no screen. */
  pickFolder?(title: string): Promise<string | null>;
  /** Remembers a new workspace for the next start. */
  saveWorkspace?(path: string): void;
}


export class Studio {
  private readonly listeners = new Set<EventListener>();
  private training: TrainingService;
  private datasets: DatasetService;
  private latent: LatentService;
  private curation: CurationService;
  private readonly jobs = new JobRegistry((event, payload) => this.emit(event, payload));
  private readonly native = new NativeService(this.jobs, (event, payload) => this.emit(event, payload), () => (this.backendInfo = undefined));
  private backendInfo?: Promise<BackendInfo>;

  constructor(private workspace: string, private readonly backend: BackendName | 'auto', private readonly host: HostCapabilities) {
    mkdirSync(workspace, { recursive: true });
    this.training = this.trainingIn(workspace);
    this.datasets = this.datasetsIn(workspace);
    this.latent = this.latentIn(workspace);
    this.curation = new CurationService(workspace, this.jobs, this.latent);
  }

  get workspaceDir(): string {
    return this.workspace;
  }

  /** The file behind a picture path the renderer may load (runs, thumbnails, items), or undefined. */
  pictureFile(path: string): string | undefined {
    const item = ITEM_PATH.exec(path);
    return item ? this.datasets.itemFile(Number(item[1])) : pictureFileIn(this.workspace, path);
  }

  /** Subscribes to every event; returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every run (with its checkpoint) and job, and closes the catalogue: what a host does before it exits. */
  async stopAll(): Promise<void> {
    await this.training.stopAll();
    this.datasets.close();
    await this.latent.close();
  }

  /** One request from any transport: never throws, always replies. */
  async handle(channel: string, payload: unknown): Promise<Reply<Channel>> {
    const parsed = parseRequest(channel, payload);
    if (!parsed.ok) return parsed;
    try {
      // each entry of the table is checked against its channel; this is the one place they are called generically
      const handler = this.handlers[parsed.channel] as (request: unknown) => Promise<Responses[Channel]> | Responses[Channel];
      return { ok: true, value: await handler(parsed.request) };
    } catch (err) {
      if (err instanceof ServiceError) return { ok: false, error: { code: err.code, message: err.message } };
      if (err instanceof ConfigError) return { ok: false, error: { code: 'invalid-request', message: err.message } };
      return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
    }
  }

  /** Every channel's handler: a new channel is one entry, and the compiler checks its request and reply. */
  private readonly handlers: Handlers = {
    'studio:info': () => ({ version: VERSION, host: this.host.kind, workspace: this.workspace, canPickFolders: Boolean(this.host.pickFolder) }),
    'studio:backend': () => this.probeBackend(),
    'studio:pick-folder': async ({ title }) => {
      if (!this.host.pickFolder) throw new ServiceError('unsupported', 'folder dialogs need the desktop app: type the folder path instead');
      return { path: await this.host.pickFolder(title) };
    },
    'studio:set-workspace': ({ path }) => this.setWorkspace(path),
    'training:start': (r) => this.training.start(r),
    'training:pause': ({ runId }) => this.training.pause(runId),
    'training:resume': ({ runId }) => this.training.resume(runId),
    'training:step': (r) => this.training.stepByHand(r),
    'training:saliency': (r) => this.training.saliency(r),
    'training:stop': ({ runId }) => this.training.stop(runId),
    'runs:list': () => ({ runs: listRuns(this.workspace, (id) => this.training.live(id)) }),
    'runs:get': ({ runId, maxPoints }) => runDetail(this.workspace, runId, maxPoints, (id) => this.training.live(id)),
    'runs:continue': (r) => this.training.continue(r),
    'runs:export': (r) => this.latent.exportModel(r),
    'runs:timelapse': (r) => timelapse(this.workspace, this.jobs, r),
    'runs:import-generator': (r) => this.latent.importGenerator(r),
    'runs:probe': (r) => this.latent.probe(r),
    'sweeps:start': (r) => startSweep(this.workspace, this.jobs, this.training, r),
    'sweeps:list': () => ({ sweeps: listSweeps(this.workspace) }),
    'sweeps:results': ({ name }) => sweepResults(this.workspace, name, (id) => this.training.live(id)),
    'runs:inspect-d': (r) => this.latent.inspectD(r),
    'datasets:list': () => this.datasets.list(),
    'datasets:import': (r) => this.datasets.startImport(r),
    'datasets:collect': (r) => startCollect(this.workspace, this.jobs, r),
    'datasets:items': (r) => this.datasets.items(r),
    'datasets:score': (r) => this.curation.score(r),
    'datasets:map': (r) => this.curation.map(r),
    'datasets:map-points': (r) => this.curation.points(r),
    'datasets:update': (r) => this.datasets.update(r),
    'datasets:duplicates': (r) => this.datasets.duplicates(r),
    'datasets:problems': (r) => this.datasets.problems(r),
    'jobs:cancel': ({ jobId }) => this.jobs.cancel(jobId),
    'jobs:list': () => ({ jobs: this.jobs.list() }),
    'datasets:embedded': (r) => this.datasets.addEmbedded(r),
    'faces:preview': (r) => this.datasets.preview(r),
    'faces:crop': (r) => this.datasets.startCrop(r),
    'lab:open': ({ runId, snapshot, space, truncation }) => this.latent.open(runId, snapshot ?? 'latest', { space, truncation }),
    'lab:sheet': (r) => this.latent.sheet(r),
    'lab:render': (r) => this.latent.render(r),
    'lab:directions': (r) => this.latent.directions(r),
    'lab:export': (r) => this.latent.export(r),
    'lab:invert': (r) => this.latent.invert(r),
    'lab:nearest': (r) => this.latent.nearest(r),
    'bookmarks:list': ({ runId }) => this.latent.listBookmarks(runId),
    'bookmarks:add': (r) => this.latent.addBookmark(r),
    'bookmarks:delete': ({ ids }) => this.latent.deleteBookmarks(ids),
    'bookmarks:export': ({ ids }) => this.latent.exportBookmarks(ids),
    'bookmarks:import': ({ file }) => this.latent.importBookmarks(file),
    'native:status': () => this.native.status(),
    'native:install': ({ from }) => this.native.install(from),
  };

  private setWorkspace(path: string): Responses['studio:set-workspace'] {
    if (!isAbsolute(path)) throw new ServiceError('invalid-request', `path: '${path}' must be an absolute folder path`);
    if (this.training.training || this.jobs.busy) throw new ServiceError('conflict', 'stop the runs and jobs that are going before moving the workspace');
    mkdirSync(path, { recursive: true });
    this.workspace = resolve(path);
    this.training = this.trainingIn(this.workspace);
    this.datasets.close();
    this.datasets = this.datasetsIn(this.workspace);
    void this.latent.close();
    this.latent = this.latentIn(this.workspace);
    this.curation = new CurationService(this.workspace, this.jobs, this.latent);
    this.host.saveWorkspace?.(this.workspace);
    return { workspace: this.workspace };
  }

  private trainingIn(workspace: string): TrainingService {
    return new TrainingService(workspace, this.backend, (event, payload) => this.emit(event, payload));
  }

  private datasetsIn(workspace: string): DatasetService {
    return new DatasetService(workspace, this.jobs, (event, payload) => this.emit(event, payload));
  }

  private latentIn(workspace: string): LatentService {
    return new LatentService(workspace, this.backend, this.jobs, (id) => this.datasets.itemFile(id), (event, payload) => this.emit(event, payload));
  }

  private emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  /** Probed once, in a worker, and remembered: the backend cannot change while the studio runs. */
  private probeBackend(): Promise<BackendInfo> {
    this.backendInfo ??= (async () => {
      const probe = new WorkerClient<ProbeApi>(startWorker('probeWorker', {}));
      try {
        return await probe.call('probe', { backend: this.backend }).reply;
      } finally {
        void probe.worker.terminate();
      }
    })();
    this.backendInfo.catch(() => (this.backendInfo = undefined));
    return this.backendInfo;
  }

}
