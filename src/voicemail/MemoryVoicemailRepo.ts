import { ConflictError } from '../store/StoreTypes.js';
import { byCreation, unknownCustomer } from '../store/records.js';
import { boxNameTaken, byReceipt, newVoicemailBox, newVoicemailMessage, patchVoicemailBox, unknownBox } from './voicemailRecords.js';
import type { VoicemailBox, VoicemailMessage, VoicemailRepo } from './VoicemailTypes.js';

const copy = <T>(v: T): T => structuredClone(v);

/** Voicemail records of the in-process store (MemoryStore); atomic because Node runs one callback at a time. */
export class MemoryVoicemailRepo implements VoicemailRepo {
  private readonly boxes = new Map<string, VoicemailBox>();
  /** boxId → messageId → message */
  private readonly messages = new Map<string, Map<string, VoicemailMessage>>();

  constructor(private readonly customerExists: (customerId: string) => boolean) {}

  private nameInUse(customerId: string, name: string, except?: string): boolean {
    for (const b of this.boxes.values()) if (b.customerId === customerId && b.name === name && b.id !== except) return true;
    return false;
  }

  async createBox(b: Parameters<VoicemailRepo['createBox']>[0]): Promise<VoicemailBox> {
    if (!this.customerExists(b.customerId)) throw new ConflictError('customerId', unknownCustomer(b.customerId));
    if (this.nameInUse(b.customerId, b.name)) throw new ConflictError('name', boxNameTaken(b.name));
    const box = newVoicemailBox(b);
    this.boxes.set(box.id, box);
    this.messages.set(box.id, new Map());
    return copy(box);
  }

  async getBox(id: string): Promise<VoicemailBox | undefined> {
    const b = this.boxes.get(id);
    return b && copy(b);
  }

  async getBoxByName(customerId: string, name: string): Promise<VoicemailBox | undefined> {
    for (const b of this.boxes.values()) if (b.customerId === customerId && b.name === name) return copy(b);
    return undefined;
  }

  async listBoxes(customerId?: string): Promise<VoicemailBox[]> {
    return [...this.boxes.values()].filter((b) => customerId === undefined || b.customerId === customerId).sort(byCreation).map(copy);
  }

  async updateBox(id: string, patch: Parameters<VoicemailRepo['updateBox']>[1]): Promise<VoicemailBox | undefined> {
    const cur = this.boxes.get(id);
    if (cur === undefined) return undefined;
    const next = patchVoicemailBox(cur, patch);
    if (next.name !== cur.name && this.nameInUse(cur.customerId, next.name, id)) throw new ConflictError('name', boxNameTaken(next.name));
    this.boxes.set(id, next);
    return copy(next);
  }

  async deleteBox(id: string): Promise<boolean> {
    return this.removeBox(id);
  }

  /** Synchronous, so that MemoryStore's customer delete stays one atomic step. */
  removeCustomerBoxes(customerId: string): string[] {
    const ids = [...this.boxes.values()].filter((b) => b.customerId === customerId).map((b) => b.id);
    for (const id of ids) this.removeBox(id);
    return ids;
  }

  async deleteCustomerBoxes(customerId: string): Promise<string[]> {
    return this.removeCustomerBoxes(customerId);
  }

  private removeBox(id: string): boolean {
    this.messages.delete(id);
    return this.boxes.delete(id);
  }

  async addMessage(m: Parameters<VoicemailRepo['addMessage']>[0]): Promise<VoicemailMessage> {
    const box = this.messages.get(m.boxId);
    if (box === undefined) throw new ConflictError('boxId', unknownBox(m.boxId));
    const message = newVoicemailMessage(m);
    box.set(message.id, message);
    return copy(message);
  }

  async getMessage(boxId: string, id: string): Promise<VoicemailMessage | undefined> {
    const m = this.messages.get(boxId)?.get(id);
    return m && copy(m);
  }

  async listMessages(boxId: string): Promise<VoicemailMessage[]> {
    return [...(this.messages.get(boxId)?.values() ?? [])].sort(byReceipt).map(copy);
  }

  async setHeard(boxId: string, id: string, heard: boolean): Promise<VoicemailMessage | undefined> {
    const m = this.messages.get(boxId)?.get(id);
    if (m === undefined) return undefined;
    m.heard = heard;
    return copy(m);
  }

  async deleteMessage(boxId: string, id: string): Promise<boolean> {
    return this.messages.get(boxId)?.delete(id) ?? false;
  }
}
