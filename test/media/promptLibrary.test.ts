import { describe, expect, it } from 'vitest';
import { PromptLibrary } from '../../src/media/embedded/PromptLibrary.js';

describe('prompt ids to files', () => {
  const lib = new PromptLibrary('/srv/prompts', '/var/lib/contactsuite/prompts');

  it('finds the shipped set under the prompt directory', () => {
    expect(lib.resolve('nl/welkom')).toBe('/srv/prompts/nl/welkom.wav');
  });

  it("finds a customer's upload under the upload directory", () => {
    expect(lib.resolve('custom/cust-1/abc')).toBe('/var/lib/contactsuite/prompts/custom/cust-1/abc.wav');
  });

  it('keeps absolute paths and explicit extensions', () => {
    expect(lib.resolve('/tmp/x.wav')).toBe('/tmp/x.wav');
    expect(lib.resolve('en/beep.wav')).toBe('/srv/prompts/en/beep.wav');
  });
});
