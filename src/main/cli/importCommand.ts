/** `gan-studio import`: a folder into the workspace's catalogue, with a progress line and one JSON summary. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openCatalogue } from '../catalogue/db';
import { duplicateGroups } from '../catalogue/duplicates';
import { importFolder } from '../catalogue/importer';
import { cancelOnInterrupt, ProgressPrinter } from './progressLine';

export async function importCommand(o: { dir: string; name: string; pattern?: string; workspace: string; progress?: ProgressPrinter }): Promise<void> {
  // A new workspace is made, as `serve --workspace` makes one; a path that cannot be one says so by name.
  try {
    mkdirSync(o.workspace, { recursive: true });
  } catch (err) {
    throw new Error(`--workspace '${o.workspace}' cannot be used: ${(err as Error).message}`);
  }
  const db = openCatalogue(join(o.workspace, 'catalogue.sqlite'));
  const interrupt = cancelOnInterrupt('cancelling: what is imported stays imported');
  try {
    const progress = o.progress ?? new ProgressPrinter();
    const summary = await importFolder({
      db, name: o.name, dir: o.dir, pattern: o.pattern, thumbnails: join(o.workspace, 'thumbnails'), signal: interrupt.signal,
      onProgress: (p) => progress.update(`importing ${p.done}/${p.total} files  ${p.problems} problems`),
    });
    const duplicates = duplicateGroups(db, summary.dataset.id);
    progress.end();
    process.stdout.write(`${JSON.stringify({ ...summary, duplicates: { exactGroups: duplicates.exact.length, nearGroups: duplicates.near.length } })}\n`);
  } finally {
    interrupt.dispose();
    db.close();
  }
}
