import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOH_STREAM, playbackTarget, promptToFreeswitch, toFreeswitchPath, UnmappedPathError, type FreeswitchMounts } from '../../../src/media/freeswitch/FreeswitchPaths.js';

const mounts: FreeswitchMounts = {
  promptsDir: { app: '/app/prompts', freeswitch: '/srv/prompts' },
  dataDir: { app: '/app/data', freeswitch: '/data/app2' },
  customPromptDir: '/app/data/prompts',
};

describe('prompt ids as FreeSWITCH plays them', () => {
  it.each([
    ['nl/welkom', '/srv/prompts/nl/welkom.wav'],
    ['nl/getallen/7', '/srv/prompts/nl/getallen/7.wav'],
    ['tones/ringback.wav', '/srv/prompts/tones/ringback.wav'],
    ['custom/cust-1/intro', '/data/app2/prompts/custom/cust-1/intro.wav'],
    ['/app/data/voicemail/box/msg-1.wav', '/data/app2/voicemail/box/msg-1.wav'],
    ['/app/prompts/nl/beep.wav', '/srv/prompts/nl/beep.wav'],
    ['moh/default', MOH_STREAM],
  ])('%s → %s', (id, path) => {
    expect(promptToFreeswitch(id, mounts)).toBe(path);
  });

  it('names the directories when a file lies outside both mounts', () => {
    expect(() => toFreeswitchPath('/etc/passwd', mounts)).toThrow(UnmappedPathError);
    expect(() => toFreeswitchPath('/app/database/x.wav', mounts)).toThrow(/not under PROMPTS_DIR \(\/app\/prompts\) or DATA_DIR \(\/app\/data\)/);
    expect(() => toFreeswitchPath('/app/data/../secrets', mounts)).toThrow(UnmappedPathError);
  });

  it('maps relative app paths from the working directory', () => {
    const m: FreeswitchMounts = { promptsDir: { app: 'prompts', freeswitch: '/p' }, dataDir: { app: 'data', freeswitch: '/d' } };
    expect(toFreeswitchPath(join('data', 'fax', 'in.tiff'), m)).toBe('/d/fax/in.tiff');
  });

  it('joins several files into one file_string for a single playback', () => {
    expect(playbackTarget(['/a.wav'])).toBe('/a.wav');
    expect(playbackTarget(['/a.wav', '/b.wav'])).toBe('file_string:///a.wav!/b.wav');
  });
});
