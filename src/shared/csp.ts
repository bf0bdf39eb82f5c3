/**
 * The renderer's Content-Security-Policy: its own scripts only, no eval, no remote anything. Pictures come from
 * the page's origin (the headless server) or the app's `studio-run:` protocol (Electron). index.html carries the
 * same policy in a meta tag (a test keeps the two equal); hosts also send it as a header.
 */
import { PICTURE_SCHEME } from './picturePaths';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob: ${PICTURE_SCHEME}:`,
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
