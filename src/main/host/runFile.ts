import { join } from 'node:path';
import { RUN_FILE_PATH } from '../../shared/runFiles';

/** The file behind a run picture's path ("runs/<runId>/samples/step-N.png"); anything else is refused. */
export function runFilePath(workspace: string, path: string): string | undefined {
  const match = RUN_FILE_PATH.exec(path);
  return match ? join(workspace, match[1], match[2]) : undefined;
}
