/**
 * The desktop window's locks beyond contextIsolation and the sandbox: the window never leaves the app's own page
 * (a link, a redirect or a file dropped outside a drop zone would otherwise load with the preload's channels), the
 * web's permission prompts are all denied, and IPC is answered only for the app's own top frame.
 */
import { pathToFileURL } from 'node:url';
import type { Session, WebContents } from 'electron';

/** Whether `url` is the app's page: the built renderer's file, or the dev server's origin under electron-vite dev. */
export function appPageMatcher(pageFile: string, devServer?: string): (url: string) => boolean {
  const page = pathToFileURL(pageFile).href;
  const devOrigin = devServer ? new URL(devServer).origin : undefined;
  return (url) => {
    if (!URL.canParse(url)) return false;
    const parsed = new URL(url);
    return devOrigin ? parsed.origin === devOrigin : `${parsed.protocol}//${parsed.host}${parsed.pathname}` === page;
  };
}

/** Every window and frame the app creates: no navigation away, no redirects away, no new windows. */
export function lockNavigation(contents: WebContents, isAppPage: (url: string) => boolean, openExternal: (url: string) => void): void {
  const stay = (event: { preventDefault(): void }, url: string): void => {
    if (!isAppPage(url)) event.preventDefault();
  };
  contents.on('will-navigate', stay);
  contents.on('will-redirect', stay);
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https:')) openExternal(url);
    return { action: 'deny' };
  });
}

/** Camera, microphone, notifications, geolocation…: the studio needs none, so none is ever granted. */
export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** An IPC message's sender: answered only when it is the app's page in a top-level frame. */
export function isAppSender(event: { senderFrame?: { url: string; parent: unknown } | null }, isAppPage: (url: string) => boolean): boolean {
  const frame = event.senderFrame;
  return Boolean(frame && frame.parent === null && isAppPage(frame.url));
}
