/** The embedded face set's styles and the credit their licences ask for: shown in the app, the README and runs. */
export const FACE_STYLE_CREDITS = {
  adventurer: '"Adventurer" by Lisa Wischofsky, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), via DiceBear',
  lorelei: '"Lorelei" by Lisa Wischofsky, CC0 1.0, via DiceBear',
  notionists: '"Notionists" by Zoish, CC0 1.0, via DiceBear',
} as const;

export const FACES_CREDIT = `Cartoon faces: ${Object.values(FACE_STYLE_CREDITS).join('; ')}.`;

/** How many faces the set has when nobody says (data.limit 0). */
export const DEFAULT_FACES = 5000;
