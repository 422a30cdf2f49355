import { extname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';

/**
 * Where the app's files are as FreeSWITCH sees them. FreeSWITCH plays and records files itself,
 * so the prompt set and the data directory (uploaded prompts, voicemail recordings, faxes) are
 * mounted into its container too (docker-compose.yml), possibly under other paths.
 */
export interface FreeswitchMounts {
  /** PROMPTS_DIR in the app and where FreeSWITCH finds it. */
  promptsDir: { app: string; freeswitch: string };
  /** DATA_DIR in the app and where FreeSWITCH finds it (shared: FreeSWITCH writes recordings and faxes there). */
  dataDir: { app: string; freeswitch: string };
  /** Uploaded prompts ('custom/<customer>/<id>'), inside the app's DATA_DIR (DATA_DIR/prompts). */
  customPromptDir?: string;
}

/** The stream mod_local_stream plays for music on hold (freeswitch-conf/autoload_configs/local_stream.conf.xml). */
export const MOH_STREAM = 'local_stream://contactsuite_moh';
/** Prompt ids under this prefix are the music-on-hold set: played as the endless local stream. */
const MOH_PREFIX = 'moh/';

/** A path FreeSWITCH cannot reach: it lies outside both mounted directories. */
export class UnmappedPathError extends Error {
  constructor(readonly path: string, mounts: FreeswitchMounts) {
    super(
      `${path}: not under PROMPTS_DIR (${mounts.promptsDir.app}) or DATA_DIR (${mounts.dataDir.app}), so FreeSWITCH cannot reach it; ` +
        'put it in one of them (both are mounted into the FreeSWITCH container)',
    );
    this.name = 'UnmappedPathError';
  }
}

/**
 * The app's path as FreeSWITCH sees it: the same file under FreeSWITCH's mount of PROMPTS_DIR
 * or DATA_DIR. FreeSWITCH runs on Linux, so the result uses '/' whatever the app runs on.
 */
export function toFreeswitchPath(appPath: string, mounts: FreeswitchMounts): string {
  const abs = resolve(appPath);
  for (const m of [mounts.dataDir, mounts.promptsDir]) {
    const rel = relative(resolve(m.app), abs);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      return rel === '' ? m.freeswitch : posix.join(m.freeswitch, ...rel.split(sep));
    }
  }
  throw new UnmappedPathError(appPath, mounts);
}

/**
 * A prompt id (as plans and the embedded PromptLibrary name them) to what FreeSWITCH's playback
 * takes: 'nl/welkom' → <FreeSWITCH prompts>/nl/welkom.wav; 'custom/<customer>/<id>' → the
 * uploaded file under FreeSWITCH's mount of DATA_DIR; 'moh/…' → the music-on-hold stream;
 * absolute paths (recordings played back) through toFreeswitchPath.
 */
export function promptToFreeswitch(prompt: string, mounts: FreeswitchMounts): string {
  if (prompt.startsWith(MOH_PREFIX)) return MOH_STREAM;
  const withExt = extname(prompt) ? prompt : `${prompt}.wav`;
  if (isAbsolute(withExt)) return toFreeswitchPath(withExt, mounts);
  if (withExt.startsWith('custom/') && mounts.customPromptDir) return toFreeswitchPath(join(mounts.customPromptDir, withExt), mounts);
  return posix.join(mounts.promptsDir.freeswitch, withExt);
}

/** What playback takes for one or more files: several become one file_string:// (mod_dptools), '!'-separated. */
export function playbackTarget(files: string[]): string {
  if (files.length === 1) return files[0];
  return `file_string://${files.join('!')}`;
}
