/** Long jobs as the catalogue remembers them (import, crop): started, their progress, how they ended. */
import type { Db } from './db';

export type JobEnd = 'done' | 'cancelled' | 'failed';

export function startJob(db: Db, kind: 'import' | 'crop', datasetId: number, total = 0): number {
  const now = Date.now();
  return Number(db.prepare(`INSERT INTO jobs (kind, dataset_id, status, total, started_at, updated_at) VALUES (?, ?, 'running', ?, ?, ?)`).run(kind, datasetId, total, now, now).lastInsertRowid);
}

export function jobProgress(db: Db, jobId: number, done: number, total?: number): void {
  if (total === undefined) db.prepare('UPDATE jobs SET done = ?, updated_at = ? WHERE id = ?').run(done, Date.now(), jobId);
  else db.prepare('UPDATE jobs SET done = ?, total = ?, updated_at = ? WHERE id = ?').run(done, total, Date.now(), jobId);
}

export function endJob(db: Db, jobId: number, status: JobEnd, message?: string): void {
  db.prepare('UPDATE jobs SET status = ?, message = ?, updated_at = ? WHERE id = ?').run(status, message ?? null, Date.now(), jobId);
}
