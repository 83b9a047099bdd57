// The view model: what the renderers show, already in words. Each step is a list of labelled
// details, one explanation and the bytes it covers; the text, hex and JSON renderers lay these out
// and never look at decoded bodies. Values may hold peer-supplied text: the renderers escape them.

import type { VerificationFact } from '../decrypt/types.js';
import type { CodePoint, Step } from '../analyse/types.js';

/** One labelled line of a step: `cipher suite  TLS_AES_128_GCM_SHA256 (0x1301)`. */
export interface Detail {
  label: string;
  /** The value as the report shows it (lists already cut to the per-message cap). */
  value: string;
  /**
   * The code points the value names, resolved once (`{ code, hex, name }`), for renderers that
   * want them as data; at most TEXT_MAX_ENTRIES_PER_MESSAGE of them.
   */
  codes?: CodePoint[];
}

/** The bytes a step explains: its message's place in a byte space and the records that carried it. */
export interface ByteSpan {
  /** Byte space id (`client`, `server`, or a reassembled / decrypted space). */
  space: string;
  offset: number;
  length: number;
  records: number[];
}

/** What one step says: its details, the sentence on what the message does, and its bytes. */
export interface StepText {
  details: Detail[];
  explanation: string;
}

export interface StepView extends StepText {
  step: Step;
  span: ByteSpan;
  /** For an encrypted record: the decoder's guess in words (`Finished`, `application data`). */
  guess?: string;
  /** Decryption's checks of this message (Finished, CertificateVerify, ServerKeyExchange). */
  verifications: VerificationFact[];
}

/** Whether a value is worth noticing; the text report colours by it. */
export type Tone = 'good' | 'bad' | 'warn';

/** Collects details, dropping values that are absent or empty. */
export type AddDetail = (label: string, value: string | undefined, codes?: CodePoint[]) => void;

export function detailList(): { details: Detail[]; add: AddDetail } {
  const details: Detail[] = [];
  const add: AddDetail = (label, value, codes) => {
    if (value === undefined || value === '') return;
    details.push(codes && codes.length > 0 ? { label, value, codes } : { label, value });
  };
  return { details, add };
}
