/**
 * Perceptual hashes for near-duplicates: a difference hash (dHash) — the picture in 9 × 8 grey pixels, one bit per
 * neighbour pair (is the left one brighter?) — survives resizing, re-encoding and small colour changes.
 */
import { openPicture } from '../engine/data/decodeProblems';

export async function differenceHash(image: Buffer): Promise<string> {
  const grey = await openPicture(image).rotate().greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer();
  let bits = 0n;
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits = (bits << 1n) | (grey[y * 9 + x] > grey[y * 9 + x + 1] ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

export function hammingDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  for (; x; x &= x - 1n) n++;
  return n;
}

/**
 * Groups of ids whose hashes differ in at most `maxDistance` bits. Candidates are found by 8 bands of 8 bits
 * (two hashes within 7 bits agree exactly on at least one band), so 50,000 pictures are not compared pairwise.
 */
export function nearGroups(items: { id: number; phash: string }[], maxDistance = 6): number[][] {
  if (maxDistance > 7) throw new Error('nearGroups finds distances up to 7 bits');
  const parent = new Map<number, number>(items.map((i) => [i.id, i.id]));
  const find = (id: number): number => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(id, root);
    return root;
  };
  for (let band = 0; band < 8; band++) {
    const buckets = new Map<string, { id: number; phash: string }[]>();
    for (const item of items) {
      const key = item.phash.slice(band * 2, band * 2 + 2);
      (buckets.get(key) ?? buckets.set(key, []).get(key)!).push(item);
    }
    for (const bucket of buckets.values()) {
      for (let i = 0; i < bucket.length; i++) {
        for (let j = i + 1; j < bucket.length; j++) {
          if (hammingDistance(bucket[i].phash, bucket[j].phash) <= maxDistance) parent.set(find(bucket[i].id), find(bucket[j].id));
        }
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (const { id } of items) (groups.get(find(id)) ?? groups.set(find(id), []).get(find(id))!).push(id);
  return [...groups.values()].filter((g) => g.length > 1).map((g) => g.sort((a, b) => a - b));
}
