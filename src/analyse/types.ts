// The analysis of one traced handshake: what was negotiated (read from the decoded messages) and
// how the messages group into steps and flights. Pure data, so the text and JSON reports and the
// CLI read the same facts.

import type { ProtectedGuess } from '../decode/model.js';
import type { DecodeIssue, Direction } from '../decode/types.js';
import type { Fingerprints } from './fingerprints.js';

export type { Fingerprints, Ja3, Ja4 } from './fingerprints.js';

/** A code point as the report shows it (zcrypto style): the number, its hex and its IANA name. */
export interface CodePoint {
  code: number;
  /** `0x1301`. */
  hex: string;
  /** IANA name, `GREASE` or `unknown`. */
  name: string;
}

/**
 * Where a negotiated fact came from. `decoded`: the captured plaintext messages; `decrypted`:
 * messages the decryption step recovered; `node`: Node's own summary of the connection (used only
 * when the bytes could not tell); `not-applicable`: the question does not arise for this version;
 * `unknown`: nothing could tell (e.g. the handshake stopped before the ServerHello).
 */
export type FactSource = 'decoded' | 'decrypted' | 'node' | 'not-applicable' | 'unknown';

export interface Fact<V> {
  /** Absent when the parameter is unknown, not applicable, or (for options) not in use. */
  value?: V;
  source: FactSource;
  /** A short qualifier shown beside the value: why it is unknown, a fallback, a disagreement. */
  note?: string;
}

export interface SuiteFact extends CodePoint {
  openssl?: string;
  /** Key exchange, authentication, bulk cipher and MAC from the registry (`any` for TLS 1.3). */
  kx?: string;
  auth?: string;
  enc?: string;
  mac?: string;
  tls13: boolean;
}

/** A key-exchange group: a named group, or an unnamed finite-field DH group with its size. */
export interface GroupFact {
  code?: number;
  hex?: string;
  name: string;
  /** Prime size of an unnamed DHE group. */
  bits?: number;
}

export interface Negotiated {
  version: Fact<CodePoint>;
  cipherSuite: Fact<SuiteFact>;
  group: Fact<GroupFact>;
  /** The scheme the server signed the handshake with (SKE in 1.2, CertificateVerify in 1.3). */
  signatureScheme: Fact<CodePoint>;
  alpn: Fact<string>;
  resumed: Fact<boolean>;
  forwardSecrecy: Fact<boolean>;
  ocspStapled: Fact<boolean>;
  /** The server name the client sent (absent: no SNI). */
  sni: Fact<string>;
  extendedMasterSecret: Fact<boolean>;
  secureRenegotiation: Fact<boolean>;
  encryptThenMac: Fact<boolean>;
  helloRetryRequest: Fact<boolean>;
  /** RFC 8446 §4.1.3 downgrade sentinel in the server random: `tls12` / `tls11`, or false. */
  downgradeSentinel: Fact<false | 'tls12' | 'tls11'>;
}

/** One line of the negotiated-parameters table. */
export interface NegotiatedRow {
  /** Stable key (`cipherSuite`), the table's label (`Cipher suite`) and the value as words. */
  key: keyof Negotiated;
  label: string;
  value: string;
  source: FactSource;
  note?: string;
}

/** A certificate as the trace step lists it; full details are the chain analysis's job. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** `EC P-256`, `RSA 2048`, `Ed25519`. */
  key?: string;
  /** Set when Node could not parse the DER. */
  error?: string;
}

/** One numbered step of the trace: one decoded message (handshake, CCS, alert, encrypted…). */
export interface Step {
  /** 1-based step number. */
  index: number;
  /** 1-based flight number. */
  flight: number;
  /** Index into `decoded.messages`. */
  message: number;
  direction: Direction;
  timeMs: number;
  kind: 'handshake' | 'change_cipher_spec' | 'alert' | 'encrypted' | 'application_data' | 'heartbeat' | 'opaque';
  /** `ClientHello`, `HelloRetryRequest`, `ChangeCipherSpec`, `Alert`, `Encrypted record`… */
  name: string;
  /** Records that carried the message (indexes into `decoded.records`). */
  records: number[];
  /** Total length of those records, headers included. */
  recordLength: number;
  /** Length of the message itself (handshake header included). */
  messageLength: number;
  /** The message was recovered by decryption (its byte space is plaintext). */
  decrypted: boolean;
  /** Every decode issue on the message or inside its fields. */
  issues: DecodeIssue[];
  /** Certificates carried by a Certificate message. */
  certificates?: CertificateSummary[];
  /** For an encrypted record: what it most likely holds, judged by the decoder from its position. */
  guess?: ProtectedGuess;
}

export interface Flight {
  index: number;
  /** `C1`, `S1`, `C2`… */
  label: string;
  direction: Direction;
  startMs: number;
  endMs: number;
  /** Step numbers (1-based) in the flight. */
  steps: number[];
}

export interface TraceOutcome {
  /** Both Finished messages (or their encrypted records) were seen and no fatal alert. */
  complete: boolean;
  /** Plain sentence: `Handshake complete`, `Server sent fatal alert handshake_failure (40)`. */
  summary: string;
  alert?: { direction: Direction; level: CodePoint; description: CodePoint };
}

/** The facts of a trace without its steps: what a row of `read`'s connections table needs. */
export type TraceSummary = Omit<TraceAnalysis, 'steps' | 'flights'>;

export interface TraceAnalysis {
  negotiated: Negotiated;
  /** The negotiated parameters in table order, as words. */
  table: NegotiatedRow[];
  steps: Step[];
  flights: Flight[];
  /** Total captured bytes each way. */
  bytes: { client: number; server: number };
  /** Handshake version family that drives the step explanations. */
  tls13: boolean;
  outcome: TraceOutcome;
  /** Disagreements between the decoded bytes and Node's summary, as sentences. */
  crossChecks: string[];
  /** JA3 and JA4 of the ClientHello, JA3S of the ServerHello (each absent without its hello). */
  fingerprints: Fingerprints;
}
