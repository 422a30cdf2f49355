import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PromptSourceFormat } from './convertPrompt.js';

/** A customer's uploaded prompt (meldtekst). Its audio is <root>/custom/<customerId>/<id>.wav. */
export interface CustomPrompt {
  id: string;
  customerId: string;
  /** 1-64 of [a-z0-9-], unique per customer */
  name: string;
  durationMs: number;
  sourceFormat: PromptSourceFormat;
  /** epoch milliseconds */
  createdAt: number;
}

/** Thrown by `create` when the customer already has a prompt with that name. */
export class PromptNameTakenError extends Error {
  constructor(readonly promptName: string) {
    super(`a prompt named "${promptName}" already exists`);
    this.name = 'PromptNameTakenError';
  }
}

/** What plans write to play an upload: 'custom/<customerId>/<promptId>' (a PromptLibrary id under the prompts root). */
export function customPromptRef(customerId: string, promptId: string): string {
  return `custom/${customerId}/${promptId}`;
}

// Ids reach the file system: only characters that cannot form a path ('..', '/').
const SAFE_ID = /^[A-Za-z0-9_-]{1,100}$/;
function safe(kind: string, id: string): string {
  if (!SAFE_ID.test(id)) throw new Error(`${kind} "${id}" cannot name a prompt directory or file`);
  return id;
}

/**
 * Uploaded prompts as files: the WAVs plus an index.json per customer, next to them, so the
 * directory is self-describing and the media engine reads the WAVs by their prompt id. Writes are
 * serialized per customer (one process owns the directory) and the index is replaced atomically.
 */
export class CustomPrompts {
  private readonly queues = new Map<string, Promise<unknown>>();

  /** `root` is the prompts root (DATA_DIR/prompts): files go under root/custom/. */
  constructor(
    private readonly root: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The WAV file of a prompt. */
  audioPath(customerId: string, promptId: string): string {
    return join(this.customerDir(customerId), `${safe('prompt id', promptId)}.wav`);
  }

  /** Oldest first. */
  async list(customerId: string): Promise<CustomPrompt[]> {
    return this.readIndex(customerId);
  }

  async get(customerId: string, promptId: string): Promise<CustomPrompt | undefined> {
    return (await this.readIndex(customerId)).find((p) => p.id === promptId);
  }

  /** Stores an already converted 8 kHz WAV. Rejects with PromptNameTakenError. */
  create(customerId: string, p: { name: string; durationMs: number; sourceFormat: PromptSourceFormat; wav: Buffer }): Promise<CustomPrompt> {
    return this.serialize(customerId, async () => {
      const index = await this.readIndex(customerId);
      if (index.some((q) => q.name === p.name)) throw new PromptNameTakenError(p.name);
      const prompt: CustomPrompt = {
        id: randomUUID(),
        customerId,
        name: p.name,
        durationMs: p.durationMs,
        sourceFormat: p.sourceFormat,
        createdAt: this.now(),
      };
      await mkdir(this.customerDir(customerId), { recursive: true });
      // The audio first: an index entry never points at a missing file.
      await writeFile(this.audioPath(customerId, prompt.id), p.wav);
      await this.writeIndex(customerId, [...index, prompt]);
      return prompt;
    });
  }

  delete(customerId: string, promptId: string): Promise<boolean> {
    return this.serialize(customerId, async () => {
      const index = await this.readIndex(customerId);
      const rest = index.filter((p) => p.id !== promptId);
      if (rest.length === index.length) return false;
      await this.writeIndex(customerId, rest);
      await rm(this.audioPath(customerId, promptId), { force: true });
      return true;
    });
  }

  /** Remove every upload of a customer (the customer is being deleted). */
  async deleteCustomer(customerId: string): Promise<void> {
    await rm(this.customerDir(customerId), { recursive: true, force: true });
  }

  private customerDir(customerId: string): string {
    return join(this.root, 'custom', safe('customer id', customerId));
  }

  private async readIndex(customerId: string): Promise<CustomPrompt[]> {
    try {
      const parsed = JSON.parse(await readFile(join(this.customerDir(customerId), 'index.json'), 'utf8')) as { prompts: CustomPrompt[] };
      return parsed.prompts;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private async writeIndex(customerId: string, prompts: CustomPrompt[]): Promise<void> {
    const file = join(this.customerDir(customerId), 'index.json');
    await writeFile(`${file}.tmp`, `${JSON.stringify({ prompts }, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }

  private serialize<T>(customerId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(customerId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(customerId, settled);
    void settled.then(() => {
      if (this.queues.get(customerId) === settled) this.queues.delete(customerId);
    });
    return next;
  }
}
