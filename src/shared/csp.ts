/**
 * The renderer's Content-Security-Policy: its own scripts only, no eval, no remote anything. Pictures come from
 * the page's origin (the headless server) or the app's `studio-run:` protocol (Electron). index.html carries the
 * same policy in a meta tag (a test keeps the two equal); hosts also send it as a header.
 */
export const RUN_FILE_SCHEME = 'studio-run';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob: ${RUN_FILE_SCHEME}:`,
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** A run's picture as a path the hosts serve: "runs/<runId>/samples/step-000100.png". */
export const RUN_FILE_PATH = /^runs\/([A-Za-z0-9._-]{1,100})\/(samples\/step-\d+\.png)$/;
