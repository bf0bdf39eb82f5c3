/**
 * The catalogue's schema, one numbered migration at a time. A database records the version it reached
 * (PRAGMA user_version); opening it runs the migrations after that version, each in a transaction. Never edit a
 * migration that has shipped: add the next one.
 */
export const MIGRATIONS: string[] = [
  // 1: datasets, their items (with crops pointing at their source item), import problems, jobs
  `CREATE TABLE datasets (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     kind TEXT NOT NULL CHECK (kind IN ('folder', 'embedded', 'crops')),
     source TEXT NOT NULL,
     pattern TEXT,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE items (
     id INTEGER PRIMARY KEY,
     dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
     path TEXT NOT NULL,
     hash TEXT NOT NULL,
     phash TEXT NOT NULL,
     width INTEGER NOT NULL,
     height INTEGER NOT NULL,
     format TEXT NOT NULL,
     bytes INTEGER NOT NULL,
     included INTEGER NOT NULL DEFAULT 1,
     label TEXT,
     tags TEXT NOT NULL DEFAULT '[]',
     source_item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
     box TEXT,
     UNIQUE (dataset_id, path)
   );
   CREATE INDEX items_hash ON items(hash);
   CREATE TABLE import_problems (
     dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
     path TEXT NOT NULL,
     reason TEXT NOT NULL,
     PRIMARY KEY (dataset_id, path)
   );
   CREATE TABLE jobs (
     id INTEGER PRIMARY KEY,
     kind TEXT NOT NULL,
     dataset_id INTEGER REFERENCES datasets(id) ON DELETE CASCADE,
     status TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
     done INTEGER NOT NULL DEFAULT 0,
     total INTEGER NOT NULL DEFAULT 0,
     message TEXT,
     started_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
  // 2: the latent lab's bookmarks (a latent vector of a run, float32 little-endian, a conditional run's class
  //    weights as JSON, its picture as PNG)
  `CREATE TABLE bookmarks (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL,
     run_id TEXT NOT NULL,
     step INTEGER NOT NULL,
     latent BLOB NOT NULL,
     label TEXT,
     tags TEXT NOT NULL DEFAULT '[]',
     origin TEXT NOT NULL,
     thumbnail BLOB,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX bookmarks_run ON bookmarks(run_id);`,
  // 3: curation: each item's scores by a run (D's realness, inversion error, distance to the nearest sample), and
  //    its place on the dataset's 2-D map in a feature space
  `CREATE TABLE item_scores (
     item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
     run_id TEXT NOT NULL,
     realness REAL NOT NULL,
     inversion_error REAL NOT NULL,
     nearest_sample REAL NOT NULL,
     PRIMARY KEY (item_id, run_id)
   );
   CREATE TABLE item_positions (
     item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
     space TEXT NOT NULL,
     x REAL NOT NULL,
     y REAL NOT NULL,
     PRIMARY KEY (item_id, space)
   );`,
  // 4: the space a bookmark's latent is in (z, or a style-based G's w)
  `ALTER TABLE bookmarks ADD COLUMN space TEXT NOT NULL DEFAULT 'z';`,
];
