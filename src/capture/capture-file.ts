// The capture file `--save` writes and `replay` reads: JSON holding the bytes (hex per chunk, with
// direction, time and stream offset), the metadata and the key log. The key log is what lets a
// replay decrypt, so the file is created owner-only (0600), like a browser's SSLKEYLOGFILE.
//
// Loading validates everything a decoder will rely on (offsets contiguous per direction, hex well
// formed, types right) and turns anything else into a UsageError naming the first problem found.

import { open, stat, readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { Capture, CaptureChunk, CaptureError, CapturePrologue, CaptureTarget, CaptureTimings, CaptureTruncation, NodeSummary } from './types.js';

/** Files larger than this are refused before reading (src/limits.ts). */
import { MAX_CAPTURE_FILE_BYTES } from '../limits.js';
export { MAX_CAPTURE_FILE_BYTES };

/** The JSON shape of one chunk on disk. */
export interface CaptureFileChunk {
  direction: 'client' | 'server';
  timeMs: number;
  offset: number;
  hex: string;
}

/** The JSON shape of one prologue entry (plaintext before TLS) on disk. */
export interface CaptureFilePrologue {
  direction: 'client' | 'server';
  timeMs: number;
  hex: string;
}

export type CaptureFileJson = Omit<Capture, 'chunks' | 'prologue'> & { chunks: CaptureFileChunk[]; prologue?: CaptureFilePrologue[] };

export function captureToJson(capture: Capture): CaptureFileJson {
  return {
    format: capture.format,
    version: capture.version,
    target: capture.target,
    ...(capture.client ? { client: capture.client } : {}),
    startedAt: capture.startedAt,
    timings: capture.timings,
    options: capture.options,
    ...(capture.node ? { node: capture.node } : {}),
    ...(capture.error ? { error: capture.error } : {}),
    ...(capture.truncated ? { truncated: capture.truncated } : {}),
    keylog: capture.keylog,
    ...(capture.prologue ? { prologue: capture.prologue.map((p) => ({ direction: p.direction, timeMs: p.timeMs, hex: Buffer.from(p.bytes).toString('hex') })) } : {}),
    chunks: capture.chunks.map((c) => ({ direction: c.direction, timeMs: c.timeMs, offset: c.offset, hex: Buffer.from(c.bytes).toString('hex') })),
  };
}

/** Writes a capture file with mode 0600 (it holds session secrets). */
export async function saveCapture(path: string, capture: Capture): Promise<void> {
  const text = JSON.stringify(captureToJson(capture), null, 1) + '\n';
  const fh = await open(path, 'w', 0o600);
  try {
    // `open`'s mode applies only when the file is new; an existing file is tightened too.
    await fh.chmod(0o600);
    await fh.writeFile(text, 'utf8');
  } finally {
    await fh.close();
  }
}

/** Reads and validates a capture file; anything unusable is a UsageError (exit code 2). */
export async function loadCapture(path: string): Promise<Capture> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new UsageError(`${path} is not a tls-trace capture: not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (size > MAX_CAPTURE_FILE_BYTES) {
    throw new UsageError(`${path} is not a tls-trace capture: ${size} bytes is over the ${MAX_CAPTURE_FILE_BYTES / (1024 * 1024)} MiB limit`);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseCapture(text, path);
}

/** Parses capture-file text; `source` names the file in error messages. */
export function parseCapture(text: string, source: string): Capture {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${source} is not a tls-trace capture: not JSON`, 'capture files are written by `tls-trace HOST --save FILE`');
  }
  try {
    return captureFromJson(value);
  } catch (e) {
    if (e instanceof Invalid) throw new UsageError(`${source} is not a tls-trace capture: ${e.message}`);
    throw e;
  }
}

/** Thrown by the validators below; turned into a UsageError naming the file. */
class Invalid extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw new Invalid(`${what} is missing or not an object`);
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Invalid(`${what} is missing or not a string`);
  return v;
}

function optStr(v: unknown, what: string): string | undefined {
  return v === undefined ? undefined : str(v, what);
}

function num(v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new Invalid(`${what} is missing or not a number ≥ ${min}`);
  return v;
}

function optNum(v: unknown, what: string): number | undefined {
  return v === undefined ? undefined : num(v, what);
}

function int(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Invalid(`${what} is missing or not an integer in ${min}–${max}`);
  return v;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * The validated object with its keys in the file's order, so a replay serialises (e.g. `--json`)
 * exactly like the live capture that was saved.
 */
function inFileOrder<T extends object>(input: Obj, validated: T): T {
  const v = validated as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(input)) if (k in v) out[k] = v[k];
  for (const k of Object.keys(v)) if (!(k in out)) out[k] = v[k];
  return out as T;
}

/** The optional `client` end (address and port) of a capture file. */
function parseClient(value: unknown): Capture['client'] {
  if (value === undefined) return undefined;
  const c = obj(value, '"client"');
  return { address: str(c.address, 'client.address'), port: int(c.port, 'client.port', 0, 65535) };
}

/** Validates a parsed capture file and converts it to the in-memory Capture. */
export function captureFromJson(value: unknown): Capture {
  const o = obj(value, 'the document');
  if (o.format !== 'tls-trace-capture') throw new Invalid(`"format" is ${JSON.stringify(o.format) ?? 'missing'}, expected "tls-trace-capture"`);
  if (o.version !== 1) throw new Invalid(`unsupported version ${JSON.stringify(o.version) ?? '(missing)'}; this tls-trace reads version 1`);

  const t = obj(o.target, '"target"');
  const target: CaptureTarget = { host: str(t.host, 'target.host'), port: int(t.port, 'target.port', 0, 65535) };
  const unicodeHost = optStr(t.unicodeHost, 'target.unicodeHost');
  if (unicodeHost !== undefined) target.unicodeHost = unicodeHost;
  const servername = optStr(t.servername, 'target.servername');
  if (servername !== undefined) target.servername = servername;
  const address = optStr(t.address, 'target.address');
  if (address !== undefined) target.address = address;
  if (t.family !== undefined) {
    if (t.family !== 4 && t.family !== 6) throw new Invalid('target.family must be 4 or 6');
    target.family = t.family;
  }
  parseRoute(t, target);

  const client = parseClient(o.client);

  const startedAt = str(o.startedAt, '"startedAt"');
  if (Number.isNaN(Date.parse(startedAt))) throw new Invalid('"startedAt" is not a date');

  const tm = obj(o.timings, '"timings"');
  const timings: CaptureTimings = { totalMs: num(tm.totalMs, 'timings.totalMs') };
  for (const k of ['dnsMs', 'connectMs', 'proxyMs', 'starttlsMs', 'tlsMs'] as const) {
    const v = optNum(tm[k], `timings.${k}`);
    if (v !== undefined) timings[k] = v;
  }

  const options = parseOptions(o.options === undefined ? {} : obj(o.options, '"options"'));

  const next = { client: 0, server: 0 };
  const chunks = parseChunks(o.chunks, next);

  let keylog: string[] = [];
  if (o.keylog !== undefined) {
    if (!Array.isArray(o.keylog) || !o.keylog.every((l): l is string => typeof l === 'string')) throw new Invalid('"keylog" must be an array of strings');
    keylog = o.keylog;
  }

  const capture: Capture = {
    format: 'tls-trace-capture',
    version: 1,
    source: 'file',
    target: inFileOrder(t, target),
    ...(client ? { client } : {}),
    startedAt,
    timings: inFileOrder(tm, timings),
    options,
    chunks,
    keylog,
  };
  if (o.node !== undefined) {
    const n = obj(o.node, '"node"');
    capture.node = inFileOrder(n, parseNode(n));
  }
  if (o.error !== undefined) {
    const e = obj(o.error, '"error"');
    const error: CaptureError = { code: str(e.code, 'error.code'), message: str(e.message, 'error.message') };
    capture.error = error;
  }
  if (o.truncated !== undefined) capture.truncated = parseTruncated(o.truncated, next);
  if (o.prologue !== undefined) capture.prologue = parsePrologue(o.prologue);
  return inFileOrder(o, capture);
}

/** The chunks, each following the previous bytes of its direction; `next` ends at each direction's length. */
function parseChunks(value: unknown, next: { client: number; server: number }): CaptureChunk[] {
  if (!Array.isArray(value)) throw new Invalid('"chunks" is missing or not an array');
  return value.map((raw: unknown, i: number) => {
    const c = obj(raw, `chunk ${i}`);
    if (c.direction !== 'client' && c.direction !== 'server') throw new Invalid(`chunk ${i}: direction must be "client" or "server"`);
    const direction = c.direction;
    const timeMs = num(c.timeMs, `chunk ${i}: timeMs`);
    const offset = int(c.offset, `chunk ${i}: offset`, 0, Number.MAX_SAFE_INTEGER);
    const hex = str(c.hex, `chunk ${i}: hex`);
    if (!HEX.test(hex)) throw new Invalid(`chunk ${i}: hex is not an even-length hex string`);
    if (offset !== next[direction]) {
      throw new Invalid(`chunk ${i}: ${direction} offset ${offset} does not follow the previous ${direction} bytes (expected ${next[direction]})`);
    }
    next[direction] += hex.length / 2;
    return { direction, timeMs, offset, bytes: new Uint8Array(Buffer.from(hex, 'hex')) };
  });
}

/** `connectTo`, `pinned` and `proxy` of a target (see CaptureTarget). */
function parseRoute(t: Obj, target: CaptureTarget): void {
  if (t.connectTo !== undefined) {
    const c = obj(t.connectTo, 'target.connectTo');
    target.connectTo = { host: str(c.host, 'target.connectTo.host'), port: int(c.port, 'target.connectTo.port', 0, 65535) };
  }
  if (t.pinned !== undefined) {
    if (typeof t.pinned !== 'boolean') throw new Invalid('target.pinned must be true or false');
    target.pinned = t.pinned;
  }
  if (t.proxy === undefined) return;
  const p = obj(t.proxy, 'target.proxy');
  const proxy: NonNullable<CaptureTarget['proxy']> = { host: str(p.host, 'target.proxy.host'), port: int(p.port, 'target.proxy.port', 0, 65535) };
  const address = optStr(p.address, 'target.proxy.address');
  if (address !== undefined) proxy.address = address;
  if (p.family !== undefined) {
    if (p.family !== 4 && p.family !== 6) throw new Invalid('target.proxy.family must be 4 or 6');
    proxy.family = p.family;
  }
  if (p.auth !== undefined) {
    if (typeof p.auth !== 'boolean') throw new Invalid('target.proxy.auth must be true or false');
    proxy.auth = p.auth;
  }
  if (p.status !== undefined) proxy.status = int(p.status, 'target.proxy.status', 0, 999);
  const reason = optStr(p.reason, 'target.proxy.reason');
  if (reason !== undefined) proxy.reason = reason;
  target.proxy = inFileOrder(p, proxy);
}

/** Plaintext before TLS, in the order it was exchanged. */
function parsePrologue(v: unknown): CapturePrologue[] {
  if (!Array.isArray(v)) throw new Invalid('"prologue" must be an array');
  return v.map((raw: unknown, i: number) => {
    const p = obj(raw, `prologue ${i}`);
    if (p.direction !== 'client' && p.direction !== 'server') throw new Invalid(`prologue ${i}: direction must be "client" or "server"`);
    const hex = str(p.hex, `prologue ${i}: hex`);
    if (!HEX.test(hex)) throw new Invalid(`prologue ${i}: hex is not an even-length hex string`);
    return { direction: p.direction, timeMs: num(p.timeMs, `prologue ${i}: timeMs`), bytes: new Uint8Array(Buffer.from(hex, 'hex')) };
  });
}

/** At most one entry per direction, each matching the bytes the file holds for that direction. */
function parseTruncated(v: unknown, recorded: Record<'client' | 'server', number>): CaptureTruncation[] {
  if (!Array.isArray(v) || v.length > 2) throw new Invalid('"truncated" must be an array of at most 2 entries');
  const seen = new Set<string>();
  return v.map((raw: unknown, i: number) => {
    const t = obj(raw, `truncated ${i}`);
    if (t.direction !== 'client' && t.direction !== 'server') throw new Invalid(`truncated ${i}: direction must be "client" or "server"`);
    if (seen.has(t.direction)) throw new Invalid(`truncated ${i}: ${t.direction} is listed twice`);
    seen.add(t.direction);
    const recordedBytes = int(t.recordedBytes, `truncated ${i}: recordedBytes`, 0, Number.MAX_SAFE_INTEGER);
    if (recordedBytes !== recorded[t.direction]) throw new Invalid(`truncated ${i}: recordedBytes ${recordedBytes} is not the ${recorded[t.direction]} ${t.direction} bytes in the file`);
    return { direction: t.direction, recordedBytes };
  });
}

function parseOptions(o: Obj): Capture['options'] {
  const out: Capture['options'] = {};
  for (const [k, v] of Object.entries(o)) {
    const ok =
      v === undefined ||
      typeof v === 'string' ||
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isFinite(v)) ||
      (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!ok) throw new Invalid(`options.${k} has an unexpected type`);
    out[k] = v as Capture['options'][string];
  }
  return out;
}

function parseNode(n: Obj): NodeSummary {
  const out: NodeSummary = {};
  const s = (k: 'protocol' | 'alpn' | 'authorizationError' | 'ocspResponse'): void => {
    const v = optStr(n[k], `node.${k}`);
    if (v !== undefined) out[k] = v;
  };
  s('protocol');
  s('alpn');
  s('authorizationError');
  s('ocspResponse');
  if (out.ocspResponse !== undefined && !HEX.test(out.ocspResponse)) throw new Invalid('node.ocspResponse is not hex');
  for (const k of ['authorized', 'sessionReused'] as const) {
    if (n[k] === undefined) continue;
    if (typeof n[k] !== 'boolean') throw new Invalid(`node.${k} must be true or false`);
    out[k] = n[k];
  }
  if (n.cipher !== undefined) {
    const c = obj(n.cipher, 'node.cipher');
    const cipher: NonNullable<NodeSummary['cipher']> = { name: str(c.name, 'node.cipher.name') };
    const std = optStr(c.standardName, 'node.cipher.standardName');
    if (std !== undefined) cipher.standardName = std;
    const ver = optStr(c.version, 'node.cipher.version');
    if (ver !== undefined) cipher.version = ver;
    out.cipher = inFileOrder(c, cipher);
  }
  if (n.ephemeralKey !== undefined) {
    const k = obj(n.ephemeralKey, 'node.ephemeralKey');
    const key: NonNullable<NodeSummary['ephemeralKey']> = { type: str(k.type, 'node.ephemeralKey.type'), size: num(k.size, 'node.ephemeralKey.size') };
    const name = optStr(k.name, 'node.ephemeralKey.name');
    if (name !== undefined) key.name = name;
    out.ephemeralKey = inFileOrder(k, key);
  }
  if (n.peerCertificates !== undefined) {
    const p = n.peerCertificates;
    if (!Array.isArray(p) || !p.every((x): x is string => typeof x === 'string' && HEX.test(x))) {
      throw new Invalid('node.peerCertificates must be an array of hex strings');
    }
    out.peerCertificates = p;
  }
  return out;
}
