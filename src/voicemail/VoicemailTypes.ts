/**
 * Voicemail boxes and their messages, as the store keeps them. The audio of a message is a WAV
 * file under DATA_DIR/voicemail/<boxId>/<messageId>.wav; the store holds only the metadata.
 */

/** A customer's voicemail box ("voicemailbox"). */
export interface VoicemailBox {
  id: string;
  customerId: string;
  /** Unique within the customer; a plan's voicemail node names the box by id or by this name. */
  name: string;
  /** Where new messages are mailed, with the recording attached (none: no mail). */
  emails: string[];
  /** Prompt played before the beep, e.g. 'custom/<customer>/<id>'; unset: nl/voicemail-begroeting. */
  greeting?: string;
  /** Accounts whose phones get the message-waiting indication (RFC 3842) for this box. */
  ownerAccountIds: string[];
  /** Longest message, in seconds. */
  maxSeconds: number;
  /** Silence that ends the message, in seconds. */
  silenceSeconds: number;
  createdAt: number;
}

export type NewVoicemailBox = Omit<VoicemailBox, 'id' | 'createdAt'>;
/** A box never moves to another customer. */
export type VoicemailBoxPatch = Partial<Omit<NewVoicemailBox, 'customerId'>>;

/** One message left in a box. */
export interface VoicemailMessage {
  id: string;
  boxId: string;
  customerId: string;
  /** The caller's number as it reached us (From user part), when known. */
  caller?: string;
  /** The number that was called (E.164), when known. */
  calledNumber?: string;
  receivedAt: number;
  durationSeconds: number;
  heard: boolean;
}

export type NewVoicemailMessage = Omit<VoicemailMessage, 'id' | 'heard'> & { id?: string };

export interface VoicemailRepo {
  /** Rejects with ConflictError('customerId') for an unknown customer, ConflictError('name') for a name the customer already uses. */
  createBox(b: NewVoicemailBox): Promise<VoicemailBox>;
  getBox(id: string): Promise<VoicemailBox | undefined>;
  getBoxByName(customerId: string, name: string): Promise<VoicemailBox | undefined>;
  /** Creation order. */
  listBoxes(customerId?: string): Promise<VoicemailBox[]>;
  /** Rejects with ConflictError('name') when renaming to a name in use. */
  updateBox(id: string, patch: VoicemailBoxPatch): Promise<VoicemailBox | undefined>;
  /** Deletes the box and its messages' metadata. */
  deleteBox(id: string): Promise<boolean>;
  /** Every box of the customer (customer delete cascades here); returns their ids. */
  deleteCustomerBoxes(customerId: string): Promise<string[]>;
  /** Rejects with ConflictError('boxId') for an unknown box. */
  addMessage(m: NewVoicemailMessage): Promise<VoicemailMessage>;
  getMessage(boxId: string, id: string): Promise<VoicemailMessage | undefined>;
  /** Oldest first. */
  listMessages(boxId: string): Promise<VoicemailMessage[]>;
  setHeard(boxId: string, id: string, heard: boolean): Promise<VoicemailMessage | undefined>;
  deleteMessage(boxId: string, id: string): Promise<boolean>;
}
