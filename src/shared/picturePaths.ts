/** How runs, their pictures and catalogue thumbnails are named across the contract, the hosts and the renderer. */

/** The Electron protocol run pictures load from ("studio-run://runs/<runId>/samples/…"). */
export const PICTURE_SCHEME = 'studio-run';

/** A run's name: its folder in the workspace. Never only dots ("." and ".." are not runs). */
export const RUN_ID = /^(?!\.+$)[A-Za-z0-9._-]{1,100}$/;
export const RUN_ID_RULE = 'must be a run name of letters, digits, ".", "_" or "-" (not only dots)';

/** A run's picture as a path the hosts serve: "runs/<runId>/samples/step-000100.png", "runs/<runId>/exports/strip-….png". */
export const RUN_PICTURE_PATH = /^runs\/((?!\.+\/)[A-Za-z0-9._-]{1,100})\/(samples\/step-\d+\.png|exports\/[a-z0-9]+-\d+\.(?:png|gif|mp4|webm))$/;

/** A catalogue thumbnail, named by its picture's sha256: "thumbnails/<hash>.webp". */
export const THUMBNAIL_PATH = /^thumbnails\/([0-9a-f]{64}\.webp)$/;

/** A catalogue item's original picture, by its id: "items/<id>". */
export const ITEM_PATH = /^items\/(\d{1,12})$/;
