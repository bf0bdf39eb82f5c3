/**
 * The renderer's one typed client over the contract. The transport underneath is the preload (Electron) or a
 * WebSocket (the headless server); nothing above this file knows which.
 */
import type { Channel, ContractError, EventName, Events, Reply, RequestOf, Responses } from '../../../shared/contract';

export interface Transport {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  /** A URL the page may load for a picture path: "runs/<id>/samples/…", "thumbnails/<sha256>.webp", "items/<id>". */
  fileUrl(path: string): string;
  /** Where a dropped file or folder lives, where the host can tell (the desktop app); undefined in a browser. */
  droppedPath(file: File): string | undefined;
}

/** A contract error as the UI handles it: its code to decide, its message to show. */
export class ContractFailure extends Error {
  constructor(readonly code: ContractError['code'], message: string) {
    super(message);
    this.name = 'ContractFailure';
  }
}

export class StudioClient {
  constructor(private readonly transport: Transport) {}

  async call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Responses[C]> {
    const reply = (await this.transport.invoke(channel, request)) as Reply<C>;
    if (!reply.ok) throw new ContractFailure(reply.error.code, reply.error.message);
    return reply.value;
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    return this.transport.on(event, listener as (payload: unknown) => void);
  }

  /** A picture inside a run's folder (a sample grid). */
  pictureUrl(runId: string, file: string): string {
    return this.transport.fileUrl(`runs/${encodeURIComponent(runId)}/${file}`);
  }

  /** A catalogue thumbnail, by its picture's sha256. */
  thumbnailUrl(hash: string): string {
    return this.transport.fileUrl(`thumbnails/${hash}.webp`);
  }

  droppedPath(file: File): string | undefined {
    return this.transport.droppedPath(file);
  }

  /** A catalogue item's original picture. */
  itemUrl(id: number): string {
    return this.transport.fileUrl(`items/${id}`);
  }
}
