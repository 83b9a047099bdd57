// What decryption hands to the report and to the rest of analysis. JSON-safe data only: byte
// strings are lower-case hex, and secret values appear only when the caller asked (`showSecrets`).

import type { ByteSpace, Direction } from '../decode/types.js';
import type { Message } from '../decode/model.js';
import type { HashName } from './hkdf.js';
import type { BulkCipher } from './suites.js';

export interface DecryptOptions {
  /** Keep secret, key and IV values in the key-schedule description (default: lengths only). */
  showSecrets?: boolean;
  /**
   * Open the records but leave the Finished and signature checks out (`check`, which reads only
   * the certificates, and pays for these per target).
   */
  skipVerification?: boolean;
}

/** One derived value of the key schedule. */
export interface KeyScheduleOutput {
  /** `key`, `iv`, `finished_key`, `client_write_MAC_key`, … */
  name: string;
  /** How it was derived, e.g. `HKDF-Expand-Label(secret, "key", "", 16)`. */
  derivation: string;
  length: number;
  /** Hex; only with `showSecrets`. */
  value?: string;
}

/** One secret and what was derived from it. */
export interface KeyScheduleStep {
  /** `server handshake traffic secret`, `master secret`, … */
  name: string;
  direction?: Direction;
  /** Where the secret came from: `key log CLIENT_HANDSHAKE_TRAFFIC_SECRET` or a derivation. */
  source: string;
  secretLength: number;
  /** Hex; only with `showSecrets`. */
  secret?: string;
  outputs: KeyScheduleOutput[];
  /** How many records were opened with these keys. */
  recordsOpened: number;
}

export interface KeySchedule {
  version: 'TLS 1.3' | 'TLS 1.2' | 'TLS 1.1' | 'TLS 1.0';
  cipherSuite: number;
  suiteName: string;
  /** HKDF (1.3) or PRF (1.2) hash; `md5-sha1` for the TLS 1.0/1.1 PRF (P_MD5 ⊕ P_SHA1). */
  hash: HashName;
  cipher: BulkCipher;
  /** Client random (hex): the key log lookup key. */
  clientRandom: string;
  /** TLS 1.0–1.2 CBC: RFC 7366 encrypt_then_mac was negotiated. */
  encryptThenMac?: boolean;
  /** TLS 1.0–1.2: RFC 7627 extended_master_secret was negotiated (the key log holds the result). */
  extendedMasterSecret?: boolean;
  /** One sentence on nonce and additional data construction for this suite. */
  recordProtection: string;
  steps: KeyScheduleStep[];
}

/** The outcome for one protected record. */
export interface RecordDecryption {
  /** TlsRecord.index. */
  record: number;
  direction: Direction;
  /** Key epoch: `handshake`, `application`, `application (update 1)`; `session` for TLS 1.2. */
  epoch: string;
  /** Record sequence number within the epoch. */
  seq: number;
  ok: boolean;
  /** Real content type (TLS 1.3 inner type). */
  contentType?: number;
  plaintextLength?: number;
  /** TLS 1.3 zero padding, or CBC padding, removed. */
  paddingLength?: number;
  /** Set when `ok` is false: `decryption failed: authentication tag mismatch`, … */
  error?: string;
  /** Id of the decrypted ByteSpace holding this record's content. */
  space?: string;
}

export type VerificationCheck =
  | 'server-finished'
  | 'client-finished'
  | 'server-certificate-verify'
  | 'client-certificate-verify'
  | 'server-key-exchange';

/** One verification fact, shown as ✔/✖ with its reason (or a neutral mark when it could not run). */
export interface VerificationFact {
  check: VerificationCheck;
  /** `Server Finished`, `Server CertificateVerify`, `ServerKeyExchange signature`. */
  label: string;
  ok: boolean;
  /** The check could not run (e.g. tls-trace stopped decoding at a cap, so the transcript is
   * incomplete): `ok` is false but nothing was found wrong; the reason starts "not verified:". */
  notVerified?: boolean;
  reason: string;
  direction: Direction;
  /** Records that carried the checked message. */
  records: number[];
  /** Finished: verify_data computed here vs. received (hex). */
  expected?: string;
  actual?: string;
}

export type DecryptionStatus =
  /** Every protected record was opened. */
  | 'decrypted'
  /** Some records were opened, some failed. */
  | 'partial'
  /** Keys were present but no record opened. */
  | 'failed'
  /** No usable secret for this connection. */
  | 'no-keys'
  /** The suite or version cannot be decrypted by this tool. */
  | 'unsupported'
  /** The capture holds no protected records. */
  | 'nothing-encrypted';

export interface DecryptionResult {
  status: DecryptionStatus;
  /** Plain sentences: what is missing or odd (`no key for this connection: …`). */
  notes: string[];
  keySchedule?: KeySchedule;
  records: RecordDecryption[];
  /**
   * Messages recovered from protected records, in capture order. Their `space` is a decrypted
   * ByteSpace (offsets inside the plaintext) and `records` lists the protected records that
   * carried them.
   */
  messages: Message[];
  /** The decrypted byte spaces the messages index into. */
  spaces: ByteSpace[];
  verifications: VerificationFact[];
}
