/** Exact duplicates (same bytes) and near-duplicates (perceptual hashes a few bits apart) in one dataset. */
import type { Db } from './db';
import { nearGroups } from './phash';

export interface DuplicateGroups { exact: number[][]; near: number[][] }

export function duplicateGroups(db: Db, datasetId: number, maxDistance = 6): DuplicateGroups {
  const items = db.prepare('SELECT id, hash, phash FROM items WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number; hash: string; phash: string }[];
  const byHash = new Map<string, number[]>();
  for (const item of items) (byHash.get(item.hash) ?? byHash.set(item.hash, []).get(item.hash)!).push(item.id);
  const exact = [...byHash.values()].filter((g) => g.length > 1);
  // Near groups among distinct contents: one representative per hash, then its exact copies join its group.
  const representatives = [...byHash.values()].map((ids) => items.find((i) => i.id === ids[0])!);
  const near = nearGroups(representatives, maxDistance).map((group) => group.flatMap((id) => byHash.get(items.find((i) => i.id === id)!.hash)!).sort((a, b) => a - b));
  return { exact, near };
}
