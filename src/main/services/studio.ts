/**
 * The whole contract behind one `handle`: validates each request, routes it to its service, and turns every
 * failure into a typed error. Hosts (Electron's ipcMain, the WebSocket server) hand it their capabilities
 * (dialogs, where settings live) and subscribe to its events.
 */
import { mkdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../../shared/config/schema';
import { parseRequest, type BackendInfo, type Channel, type Events, type EventName, type ParsedRequestOf, type Reply, type Responses } from '../../shared/contract';
import type { BackendName } from '../engine/backend';
import { runFilePath } from '../host/runFile';
import { startWorker } from '../host/workers';
import { ITEM_PATH } from '../../shared/runFiles';
import { DatasetService } from './datasets';
import { LatentService } from './latent';
import { NativeService } from './native';
import { listRuns, runDetail, RunNotFound } from './runs';
import { ServiceError, TrainingService, type EventListener } from './training';
import { version as VERSION } from '../../../package.json';

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
  private readonly native = new NativeService((event, payload) => this.emit(event, payload), () => (this.backendInfo = undefined));
  private backendInfo?: Promise<BackendInfo>;

  constructor(private workspace: string, private readonly backend: BackendName | 'auto', private readonly host: HostCapabilities) {
    mkdirSync(workspace, { recursive: true });
    this.training = this.trainingIn(workspace);
    this.datasets = this.datasetsIn(workspace);
    this.latent = this.latentIn(workspace);
  }

  get workspaceDir(): string {
    return this.workspace;
  }

  /** The file behind a picture path the renderer may load (runs, thumbnails, items), or undefined. */
  pictureFile(path: string): string | undefined {
    const item = ITEM_PATH.exec(path);
    return item ? this.datasets.itemFile(Number(item[1])) : runFilePath(this.workspace, path);
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
      return { ok: true, value: await this.dispatch(parsed.channel, parsed.request) };
    } catch (err) {
      if (err instanceof ServiceError) return { ok: false, error: { code: err.code, message: err.message } };
      if (err instanceof RunNotFound) return { ok: false, error: { code: 'not-found', message: err.message } };
      if (err instanceof ConfigError) return { ok: false, error: { code: 'invalid-request', message: err.message } };
      return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
    }
  }

  private async dispatch(channel: Channel, request: ParsedRequestOf<Channel>): Promise<Responses[Channel]> {
    const r = request as never;
    switch (channel) {
      case 'studio:info':
        return { version: VERSION, host: this.host.kind, workspace: this.workspace, canPickFolders: Boolean(this.host.pickFolder) };
      case 'studio:backend':
        return this.probeBackend();
      case 'studio:pick-folder': {
        if (!this.host.pickFolder) throw new ServiceError('unsupported', 'folder dialogs need the desktop app: type the folder path instead');
        return { path: await this.host.pickFolder((r as ParsedRequestOf<'studio:pick-folder'>).title) };
      }
      case 'studio:set-workspace':
        return this.setWorkspace((r as ParsedRequestOf<'studio:set-workspace'>).path);
      case 'training:start':
        return this.training.start(r);
      case 'training:pause':
        return this.training.pause((r as ParsedRequestOf<'training:pause'>).runId);
      case 'training:resume':
        return this.training.resume((r as ParsedRequestOf<'training:resume'>).runId);
      case 'training:stop':
        return this.training.stop((r as ParsedRequestOf<'training:stop'>).runId);
      case 'runs:list':
        return { runs: listRuns(this.workspace, (id) => this.training.live(id)) };
      case 'runs:get': {
        const { runId, maxPoints } = r as ParsedRequestOf<'runs:get'>;
        return runDetail(this.workspace, runId, maxPoints, (id) => this.training.live(id));
      }
      case 'runs:continue':
        return this.training.continue(r);
      case 'datasets:list':
        return this.datasets.list();
      case 'datasets:import':
        return this.datasets.startImport(r);
      case 'datasets:items':
        return this.datasets.items(r);
      case 'datasets:update':
        return this.datasets.update(r);
      case 'datasets:duplicates':
        return this.datasets.duplicates(r);
      case 'datasets:problems':
        return this.datasets.problems(r);
      case 'jobs:cancel':
        return this.datasets.cancel((r as ParsedRequestOf<'jobs:cancel'>).jobId);
      case 'datasets:embedded':
        return this.datasets.addEmbedded(r);
      case 'faces:preview':
        return this.datasets.preview(r);
      case 'faces:crop':
        return this.datasets.startCrop(r);
      case 'lab:open':
        return this.latent.open((r as ParsedRequestOf<'lab:open'>).runId);
      case 'lab:sheet':
        return this.latent.sheet(r);
      case 'lab:render':
        return this.latent.render(r);
      case 'lab:directions':
        return this.latent.directions(r);
      case 'lab:export':
        return this.latent.export(r);
      case 'lab:invert':
        return this.latent.invert(r);
      case 'lab:cancel':
        return this.latent.cancel((r as ParsedRequestOf<'lab:cancel'>).jobId);
      case 'lab:nearest':
        return this.latent.nearest(r);
      case 'bookmarks:list':
        return this.latent.listBookmarks((r as ParsedRequestOf<'bookmarks:list'>).runId);
      case 'bookmarks:add':
        return this.latent.addBookmark(r);
      case 'bookmarks:delete':
        return this.latent.deleteBookmarks((r as ParsedRequestOf<'bookmarks:delete'>).ids);
      case 'bookmarks:export':
        return this.latent.exportBookmarks((r as ParsedRequestOf<'bookmarks:export'>).ids);
      case 'bookmarks:import':
        return this.latent.importBookmarks((r as ParsedRequestOf<'bookmarks:import'>).file);
      case 'native:status':
        return this.native.status();
      case 'native:install':
        return this.native.install((r as ParsedRequestOf<'native:install'>).from);
    }
  }

  private setWorkspace(path: string): Responses['studio:set-workspace'] {
    if (!isAbsolute(path)) throw new ServiceError('invalid-request', `path: '${path}' must be an absolute folder path`);
    if (this.training.training || this.datasets.busy || this.latent.busy) throw new ServiceError('conflict', 'stop the runs and jobs that are going before moving the workspace');
    mkdirSync(path, { recursive: true });
    this.workspace = resolve(path);
    this.training = this.trainingIn(this.workspace);
    this.datasets.close();
    this.datasets = this.datasetsIn(this.workspace);
    void this.latent.close();
    this.latent = this.latentIn(this.workspace);
    this.host.saveWorkspace?.(this.workspace);
    return { workspace: this.workspace };
  }

  private trainingIn(workspace: string): TrainingService {
    return new TrainingService(workspace, this.backend, (event, payload) => this.emit(event, payload));
  }

  private datasetsIn(workspace: string): DatasetService {
    return new DatasetService(workspace, (event, payload) => this.emit(event, payload));
  }

  private latentIn(workspace: string): LatentService {
    return new LatentService(workspace, this.backend, (id) => this.datasets.itemFile(id), (event, payload) => this.emit(event, payload));
  }

  private emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  /** Probed once, in a worker, and remembered: the backend cannot change while the studio runs. */
  private probeBackend(): Promise<BackendInfo> {
    this.backendInfo ??= new Promise<BackendInfo>((resolve, reject) => {
      const worker = startWorker('probeWorker', { backend: this.backend });
      worker.once('message', (m: { ok: true; info: BackendInfo } | { ok: false; message: string }) => (m.ok ? resolve(m.info) : reject(new Error(m.message))));
      worker.once('error', reject);
    });
    this.backendInfo.catch(() => (this.backendInfo = undefined));
    return this.backendInfo;
  }
}
