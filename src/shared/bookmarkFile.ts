/** The JSON file bookmarks are exported to and imported from (validated on import like any request). */
import { z } from 'zod';
import { LATENT_SPACES } from './latent';
import { RUN_ID, RUN_ID_RULE } from './picturePaths';

export const BOOKMARK_FILE_FORMAT = 'gan-studio-bookmarks';

export const bookmarkFileSchema = z.strictObject({
  format: z.literal(BOOKMARK_FILE_FORMAT),
  version: z.literal(1),
  bookmarks: z.array(z.strictObject({
    name: z.string().trim().min(1).max(100),
    runId: z.string().regex(RUN_ID, RUN_ID_RULE),
    step: z.number().int().min(0),
    latent: z.array(z.number().finite()).min(1).max(1024),
    label: z.array(z.number().finite().min(0).max(1)).min(1).max(1000).nullable(),
    tags: z.array(z.string().min(1).max(50)).max(20),
    origin: z.string().max(40),
    /** Files written before w space existed hold z latents. */
    space: z.enum(LATENT_SPACES).default('z'),
    createdAt: z.number().int().min(0),
  })).max(100_000),
});

export type BookmarkFile = z.infer<typeof bookmarkFileSchema>;
