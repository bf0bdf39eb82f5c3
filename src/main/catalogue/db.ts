/**
 * The catalogue: one SQLite file in the workspace (better-sqlite3, WAL). What the user decides — which items are
 * included, their labels and tags — lives only here and is never overwritten by a re-import.
 */
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

export class CatalogueError extends Error {}

export function openCatalogue(file: string, migrations: string[] = MIGRATIONS): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    db.close();
    throw new CatalogueError(`${file} was written by a newer GAN Studio (schema ${version}, this one knows ${migrations.length})`);
  }
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}
