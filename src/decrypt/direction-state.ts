// What decryption keeps per direction while it walks the protected records: the key epochs in
// the order the sender uses them, and the framing of the handshake plaintext it opens. Framing is
// decode's (src/decode/defragment.ts): one reassembler and one message cap for both stages.

import { HandshakeReassembler, MessageCap } from '../decode/defragment.js';
import type { ByteSpace, Direction } from '../decode/types.js';
import type { FieldBudget } from '../decode/reader.js';
import { MAX_FIELDS_PER_DIRECTION } from '../limits.js';
import type { DirectionKeys } from './record-protection.js';
import type { KeyScheduleStep } from './types.js';

export interface Epoch {
  name: string;
  keys: DirectionKeys;
  seq: bigint;
  step: KeyScheduleStep;
  /** TLS 1.3 application secret, kept to derive the next one on KeyUpdate. */
  secret?: Buffer;
  handshake: boolean;
}

/**
 * The direction's decrypted handshake plaintext, appended record after record, as the byte space
 * the reassembler's pieces index into. Grows by doubling; bounded by the capture cap, since
 * plaintext is never longer than the records it came from.
 */
export class PlaintextStream {
  readonly space: ByteSpace;
  private buffer = new Uint8Array(0);
  private used = 0;

  constructor(direction: Direction) {
    this.space = { id: `${direction}/plaintext`, direction, bytes: this.buffer, segments: [], decrypted: true };
  }

  /** Appends `bytes` and returns where they start. */
  append(bytes: Uint8Array): number {
    const at = this.used;
    if (at + bytes.length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(at + bytes.length, this.buffer.length * 2, 1024));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
    }
    this.buffer.set(bytes, at);
    this.used += bytes.length;
    this.space.bytes = this.buffer.subarray(0, this.used);
    return at;
  }
}

export interface DirectionState {
  epochs: Epoch[];
  current: number;
  plaintext: PlaintextStream;
  /** Frames the handshake plaintext into messages; an oversized one poisons it (as in decode). */
  reassembler: HandshakeReassembler;
  /** Handshake records consumed and messages decoded, for the message cap (src/limits.ts). */
  cap: MessageCap;
  /** Set once the message cap stopped this direction: why its later handshake bytes are undecoded. */
  capped?: string;
  /** Fields the decrypted handshake of this direction may still itemise (MAX_FIELDS_PER_DIRECTION). */
  fields: FieldBudget;
  /** After missing bytes: records that may still search for their sequence number (MAX_GAP_RESYNC_RECORDS). */
  resyncLeft?: number;
  /**
   * TLS 1.0 CBC after missing bytes: the next record's IV (the lost record's last ciphertext
   * block) is unknown, so that record cannot be opened truthfully; RC4: the key stream's place is lost.
   */
  chainLost?: 'iv' | 'stream';
}

/** `messageCap`: the source's reassembly cap (handshakeMessageCap), as the plaintext decoder used. */
export function newState(direction: Direction, messageCap?: number): DirectionState {
  const plaintext = new PlaintextStream(direction);
  return {
    epochs: [],
    current: 0,
    plaintext,
    reassembler: new HandshakeReassembler(plaintext.space, messageCap),
    cap: new MessageCap(),
    fields: { left: MAX_FIELDS_PER_DIRECTION, exhausted: false },
  };
}

/** Later handshake bytes of this direction are shown undecoded (after an oversized message or the cap). */
export function handshakeStopped(state: DirectionState): boolean {
  return state.reassembler.poisoned || state.capped !== undefined;
}
