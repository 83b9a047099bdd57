// The whole trace as JSON (`--json`): target and timings, every record with its bytes, every
// message with its labelled field tree and typed body, the steps and flights, and the negotiated
// table. Code points are `{ code, hex, name }` objects (zcrypto style) so a consumer never needs
// our registries. Certificates, the chain report and severities use the vocabulary shared with
// check and scan (shared-json.ts). The shape is described by schema/trace.schema.json.

import { tcpView, type TcpView } from '../view/tcp.js';
import { prologueJson, type PrologueJson } from './prologue-json.js';
import { keyScheduleJson } from './key-schedule.js';
import type { CodePoint, Fingerprints, Flight, Negotiated, NegotiatedRow, TraceOutcome } from '../analyse/types.js';
import { codePoint } from '../analyse/code-point.js';
import type { CaptureError, CaptureTarget, CaptureTimings, CaptureTruncation, NodeSummary } from '../capture/types.js';
import type { DecodedTrace, Message, NestedMessage, TlsRecord } from '../decode/model.js';
import type { ByteSpace, DecodeIssue, Direction, Field } from '../decode/types.js';
import { capArrays, HexBudget, JSON_LIMITS, type JsonLimits } from './json-caps.js';
import {
  alertDescriptions,
  alertLevels,
  contentTypes,
  handshakeTypes,
  heartbeatMessageTypes,
  protocolVersions,
} from '../registry/index.js';
import { escapeStrings, type JsonValue } from './escape.js';
import { chainJson, SCHEMA_VERSION, type ChainJson } from './shared-json.js';
import { findStreamSpace } from '../decode/index.js';
import { bodyView, describeNegotiated, guessWords, viewStep, type StepView } from '../view/index.js';
import type { TraceView } from './view.js';

export const TRACE_JSON_FORMAT = 'tls-trace';

export type { JsonValue } from './escape.js';

export interface RecordJson {
  index: number;
  direction: Direction;
  offset: number;
  length: number;
  contentType: CodePoint;
  legacyVersion: CodePoint;
  declaredLength: number;
  bodyOffset: number;
  bodyLength: number;
  timeMs: number;
  encrypted: boolean;
  /** Header and body as captured; "" past the JSON hex budget (see `hexOmitted`). */
  hex: string;
  /** Bytes not written to `hex` because the direction's JSON hex budget was spent. */
  hexOmitted?: number;
  fields: Field[];
  issue?: DecodeIssue;
}

export interface MessageJson {
  index: number;
  kind: Message['kind'];
  name: string;
  direction: Direction;
  /** Id of the byte space `offset` and the field offsets index into. */
  space: string;
  decrypted: boolean;
  offset: number;
  length: number;
  records: number[];
  timeMs: number;
  fields: Field[];
  issue?: DecodeIssue;
  /** handshake */
  msgType?: CodePoint;
  declaredLength?: number;
  raw?: string;
  /** Bytes not written to `raw` because the direction's JSON hex budget was spent. */
  rawOmitted?: number;
  body?: { [key: string]: JsonValue };
  /** The decompressed Certificate of a CompressedCertificate (RFC 8879), in its own space. */
  nested?: { title: string; space: string; length: number; hex: string; fields: Field[]; issue?: DecodeIssue };
  /** change_cipher_spec */
  compatibility?: boolean;
  /** alert */
  level?: CodePoint;
  description?: CodePoint;
  /** heartbeat (RFC 6520) */
  heartbeat?: { type: CodePoint; payloadLength: number; payload: string; paddingLength: number; heartbleed: boolean };
  /** encrypted */
  contentType?: CodePoint;
  guess?: string;
  /** opaque */
  reason?: string;
  /** opaque: left undecoded at one of tls-trace's own caps (see the trace's `caps`). */
  cap?: boolean;
}

export interface SpaceJson {
  id: string;
  direction: Direction;
  length: number;
  decrypted: boolean;
  segments: Array<{ at: number; streamOffset: number; length: number }>;
  /** Bytes of decrypted plaintext spaces (captured bytes are in `records`). */
  hex?: string;
  hexOmitted?: number;
}

export interface StepJson {
  index: number;
  flight: number;
  message: number;
  direction: Direction;
  timeMs: number;
  kind: Message['kind'];
  name: string;
  records: number[];
  recordLength: number;
  messageLength: number;
  decrypted: boolean;
  issues: DecodeIssue[];
  details: Array<{ label: string; value: string }>;
  explanation: string;
  certificates?: Array<{ subject: string; issuer: string; key?: string; error?: string }>;
  guess?: string;
}

export interface TraceJson {
  format: typeof TRACE_JSON_FORMAT;
  schemaVersion: typeof SCHEMA_VERSION;
  /** The caps below which nothing is cut (`…Omitted` members say where something was). */
  limits: JsonLimits;
  target: CaptureTarget;
  startedAt: string;
  timings: CaptureTimings;
  bytes: { client: number; server: number };
  outcome: TraceOutcome;
  error?: CaptureError;
  /** Directions whose recording stopped at tls-trace's capture cap. */
  truncated?: CaptureTruncation[];
  node?: NodeSummary;
  /**
   * Packet sources (pcap) and live traces with --packets: the TCP three-way handshake, the teardown
   * and every segment with the TLS record bytes it carries (src/view/tcp.ts). Absent otherwise.
   */
  tcp?: TcpView;
  /**
   * The plaintext before TLS (a STARTTLS dialogue, an HTTP CONNECT exchange, a PROXY header) as
   * steps with their lines, meaning and bytes, plus its findings (src/view/prologue.ts).
   */
  prologue?: PrologueJson;
  records: RecordJson[];
  messages: MessageJson[];
  spaces: SpaceJson[];
  flights: Flight[];
  steps: StepJson[];
  negotiated: Negotiated;
  table: NegotiatedRow[];
  issues: Array<DecodeIssue & { direction: Direction }>;
  notTls?: { direction: Direction; protocol: string; firstLine: string };
  crossChecks: string[];
  /** JA3/JA4 of the ClientHello and JA3S of the ServerHello (src/analyse/fingerprints.ts). */
  fingerprints: Fingerprints;
  /** Key schedule (values only with --show-secrets), per-record outcomes, verification facts. */
  decryption?: ReturnType<typeof keyScheduleJson>;
  /** Certificate chain validation: one row per certificate, every check a separate fact. */
  chain?: ChainJson;
}

/** The trace's three long lists (one entry per record, message and step), produced one at a time. */
type LazyLists = { records: () => Iterable<RecordJson>; messages: () => Iterable<MessageJson>; steps: () => Iterable<StepJson> };
const LAZY_KEYS = new Set<string>(['records', 'messages', 'steps']);

/**
 * The trace document with its long lists left as generators, keys in output order. renderJson
 * materialises it; renderJsonText writes it out entry by entry.
 */
function traceParts(view: TraceView): Omit<TraceJson, keyof LazyLists> & LazyLists {
  const { capture, decoded, analysis } = view;
  const stepNames = new Map(analysis.steps.map((s) => [s.message, s.name]));
  // One budget each for records' hex, messages' raw and decrypted spaces, so the early messages
  // of a flood keep their raw bytes even when the records spent theirs.
  const budget = { records: new HexBudget(), raw: new HexBudget(), spaces: new HexBudget() };
  return {
    format: TRACE_JSON_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    limits: JSON_LIMITS,
    target: { ...capture.target },
    startedAt: capture.startedAt,
    timings: { ...capture.timings },
    bytes: { ...analysis.bytes },
    outcome: analysis.outcome,
    error: capture.error,
    truncated: capture.truncated,
    node: capture.node,
    // Cut to the list cap like every list (`packetsOmitted` then counts the rest).
    tcp: tcpJson(view),
    prologue: prologueJson(view.capture),
    // Each record, message, step and the chain is cut to the list cap on its own (json-caps.ts);
    // the top-level lists are bounded by the decoder's record and message caps.
    records: function* () {
      for (const r of decoded.records) yield capArrays(recordJson(decoded, r, budget.records));
    },
    messages: function* () {
      for (const [i, m] of decoded.messages.entries()) yield capArrays(messageJson(m, i, stepNames.get(i) ?? m.kind, budget.raw));
    },
    spaces: decoded.spaces.map((s) => spaceJson(s, budget.spaces)),
    flights: analysis.flights,
    steps: function* () {
      for (const s of analysis.steps) yield capArrays(stepJson(viewStep(s, decoded.messages[s.message], analysis.tls13)));
    },
    negotiated: analysis.negotiated,
    // The view's rows without its text-only parts (tone, the joined note, the code point).
    table: describeNegotiated(analysis).map(({ key, label, value, source, note }) => ({ key, label, value, source, note })),
    issues: decoded.issues,
    notTls: decoded.notTls,
    crossChecks: analysis.crossChecks,
    fingerprints: analysis.fingerprints,
    decryption: view.decryption ? keyScheduleJson(view.decryption) : undefined,
    chain: view.chain ? capArrays(chainJson(view.chain)) : undefined,
  };
}

function tcpJson(view: TraceView): TcpView | undefined {
  const tcp = tcpView(view.capture, view.decoded.records);
  return tcp ? capArrays(tcp) : undefined;
}

export function renderJson(view: TraceView): TraceJson {
  const parts = traceParts(view);
  const json = { ...parts, records: [...parts.records()], messages: [...parts.messages()], steps: [...parts.steps()] };
  // Peer-supplied strings sit all over the tree (SNI, ALPN, certificate names, banners); escape
  // every string once here rather than trusting each producer. Drop undefined on the way.
  return escapeStrings(json) as unknown as TraceJson;
}

/**
 * The same text as `JSON.stringify(renderJson(view), null, 2)`, in pieces: the long lists are
 * built, escaped and written one entry at a time, so a capture of 16,000 records never holds the
 * whole document (a 36 MB string and its copies) in memory at once.
 */
export function* renderJsonText(view: TraceView): Generator<string> {
  const parts = traceParts(view) as unknown as Record<string, unknown>;
  const keys = Object.keys(parts).filter((k) => parts[k] !== undefined);
  yield '{\n';
  for (const [n, key] of keys.entries()) {
    const last = n === keys.length - 1;
    yield `  ${JSON.stringify(key)}: `;
    if (LAZY_KEYS.has(key)) yield* listText((parts[key] as () => Iterable<unknown>)());
    else yield indented(JSON.stringify(escapeStrings(parts[key]), null, 2), '  ');
    yield last ? '\n' : ',\n';
  }
  yield '}';
}

function* listText(entries: Iterable<unknown>): Generator<string> {
  let first = true;
  for (const entry of entries) {
    yield `${first ? '[\n' : ',\n'}    ${indented(JSON.stringify(escapeStrings(entry), null, 2), '    ')}`;
    first = false;
  }
  yield first ? '[]' : '\n  ]';
}

/** Every line after the first indented by `pad` (JSON.stringify's nesting one level down). */
function indented(text: string, pad: string): string {
  return text.replace(/\n/g, `\n${pad}`);
}

/** A step as the view describes it; details as label and value (the JSON vocabulary has no codes there yet). */
function stepJson(view: StepView): StepJson {
  const details = view.details.map((d) => ({ label: d.label, value: d.value }));
  // `guess` keeps its place among the step's members: the output is compared byte for byte.
  return { ...view.step, guess: view.guess, details, explanation: view.explanation };
}

function spaceJson(s: ByteSpace, budget: HexBudget): SpaceJson {
  const json: SpaceJson = { id: s.id, direction: s.direction, length: s.bytes.length, decrypted: s.decrypted === true, segments: s.segments.map((g) => ({ ...g })) };
  if (!s.decrypted) return json;
  if (budget.take(s.direction, s.bytes.length)) json.hex = Buffer.from(s.bytes).toString('hex');
  else json.hexOmitted = s.bytes.length;
  return json;
}

function recordJson(decoded: DecodedTrace, r: TlsRecord, budget: HexBudget): RecordJson {
  const stream = findStreamSpace(decoded, r.direction);
  const bytes = stream ? stream.bytes.subarray(r.offset, r.offset + r.length) : new Uint8Array(0);
  const within = budget.take(r.direction, bytes.length);
  return {
    index: r.index,
    direction: r.direction,
    offset: r.offset,
    length: r.length,
    contentType: codePoint(contentTypes, r.contentType, 1),
    legacyVersion: codePoint(protocolVersions, r.legacyVersion),
    declaredLength: r.declaredLength,
    bodyOffset: r.bodyOffset,
    bodyLength: r.bodyLength,
    timeMs: r.timeMs,
    encrypted: r.encrypted,
    hex: within ? Buffer.from(bytes).toString('hex') : '',
    hexOmitted: within ? undefined : bytes.length,
    fields: r.fields,
    issue: r.issue,
  };
}

function messageJson(m: Message, index: number, name: string, budget: HexBudget): MessageJson {
  const base: MessageJson = {
    index,
    kind: m.kind,
    name,
    direction: m.direction,
    space: m.space.id,
    decrypted: m.space.decrypted === true,
    offset: m.offset,
    length: m.length,
    records: [...m.records],
    timeMs: m.timeMs,
    fields: m.fields,
    issue: m.issue,
  };
  switch (m.kind) {
    case 'handshake': {
      const body = bodyView(m, capArrays);
      const within = budget.take(m.direction, m.raw.length / 2);
      return {
        ...base,
        msgType: codePoint(handshakeTypes, m.msgType, 1),
        declaredLength: m.declaredLength,
        raw: within ? m.raw : '',
        rawOmitted: within ? undefined : m.raw.length / 2,
        body,
        nested: m.nested ? nestedJson(m.nested, budget, m.direction) : undefined,
      };
    }
    case 'change_cipher_spec':
      return { ...base, compatibility: m.compatibility };
    case 'alert':
      return { ...base, level: codePoint(alertLevels, m.level, 1), description: codePoint(alertDescriptions, m.description, 1) };
    case 'encrypted':
      return { ...base, contentType: codePoint(contentTypes, m.contentType, 1), guess: m.guess ? guessWords(m.guess) : undefined };
    case 'application_data':
      return base;
    case 'heartbeat':
      return { ...base, heartbeat: { type: codePoint(heartbeatMessageTypes, m.heartbeatType, 1), payloadLength: m.payloadLength, payload: m.payload, paddingLength: m.paddingLength, heartbleed: m.heartbleed === true } };
    case 'opaque':
      return { ...base, reason: m.reason, ...(m.cap ? { cap: true } : {}), ...(m.missing ? { missing: { ...m.missing } } : {}) };
  }
}

function nestedJson(n: NestedMessage, budget: HexBudget, direction: Direction): NonNullable<MessageJson['nested']> {
  const length = n.space.bytes.length;
  const hex = budget.take(direction, length) ? Buffer.from(n.space.bytes).toString('hex') : '';
  return { title: n.title, space: n.space.id, length, hex, fields: n.fields, issue: n.issue };
}

/** Deep copy that escapes control characters in every string and drops undefined properties. */
