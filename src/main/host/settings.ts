/** The desktop app's settings file (the workspace folder for now), written atomically. */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../engine/training/atomicFile';

export interface Settings { workspace?: string }

/** A missing or unreadable settings file means defaults: a bad file must not keep the app from starting. */
export function readSettings(file: string): Settings {
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && typeof (parsed as Settings).workspace === 'string' ? { workspace: (parsed as Settings).workspace } : {};
  } catch {
    return {};
  }
}

export function writeSettings(file: string, settings: Settings): void {
  writeFileAtomic(file, JSON.stringify(settings, null, 2));
}
