/** The voicemail prompts (scripts/make-prompts.sh makes them; prompts/README.md lists the wording). */

/** Played when a box has no greeting of its own (or its greeting cannot be played). */
export const DEFAULT_GREETING = 'nl/voicemail-begroeting';
/** Ends the greeting: speak now. */
export const BEEP = 'nl/beep';
