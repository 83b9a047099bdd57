// Hand-built decoded traces for the report and analysis tests: each message gets real record and
// handshake headers in a per-direction stream, a labelled field tree covering its bytes, and the
// typed body the test gives. The analysis reads typed bodies; the hex view reads the fields.

import type { Capture, CaptureChunk, NodeSummary } from '../../../src/capture/types.js';
import type {
  ClientHello,
  DecodedTrace,
  Extension,
  ExtensionInfo,
  HandshakeBody,
  Message,
  ServerHello,
  TlsRecord,
} from '../../../src/decode/model.js';
import type { ByteSpace, Direction, Field } from '../../../src/decode/types.js';
import type { ProtectedGuess } from '../../../src/decode/model.js';
import { HS } from '../../../src/registry/index.js';

/** Wire code of a body type: the registry's, and 99 (unassigned) for the decoder's `unknown`. */
const msgTypeOf = (type: HandshakeBody['type']): number => (type === 'unknown' ? 99 : HS[type]);

export type Spec =
  | { dir: Direction; t: number; hs: HandshakeBody; size?: number; join?: boolean; decrypted?: boolean }
  | { dir: Direction; t: number; ccs: true; compatibility?: boolean; join?: boolean }
  | { dir: Direction; t: number; alert: [number, number]; join?: boolean }
  | { dir: Direction; t: number; encrypted: number; guess?: ProtectedGuess; contentType?: number };

export function ext(type: number, info?: ExtensionInfo, data = ''): Extension {
  return { type, offset: 0, length: 4 + data.length / 2, data, info };
}

export function clientHello(over: Partial<ClientHello> = {}): ClientHello {
  return {
    type: 'client_hello',
    legacyVersion: 0x0303,
    random: '11'.repeat(32),
    sessionId: '',
    cipherSuites: [0xc02f, 0x1301],
    compressionMethods: [0],
    extensions: [],
    ...over,
  };
}

export function serverHello(over: Partial<ServerHello> = {}): ServerHello {
  return {
    type: 'server_hello',
    legacyVersion: 0x0303,
    random: '22'.repeat(32),
    sessionId: '',
    cipherSuite: 0xc02f,
    compressionMethod: 0,
    extensions: [],
    helloRetryRequest: false,
    ...over,
  };
}

interface Stream {
  bytes: number[];
  chunks: CaptureChunk[];
}

export interface Built {
  capture: Capture;
  decoded: DecodedTrace;
}

export function buildTrace(specs: Spec[], opts: { node?: NodeSummary; servername?: string; error?: Capture['error'] } = {}): Built {
  const streams: Record<Direction, Stream> = { client: { bytes: [], chunks: [] }, server: { bytes: [], chunks: [] } };
  const spaces: Record<Direction, ByteSpace> = {
    client: { id: 'client', direction: 'client', bytes: new Uint8Array(0), segments: [] },
    server: { id: 'server', direction: 'server', bytes: new Uint8Array(0), segments: [] },
  };
  const records: TlsRecord[] = [];
  const messages: Message[] = [];
  const extraSpaces: ByteSpace[] = [];

  const openRecord = (dir: Direction, t: number, contentType: number): TlsRecord => {
    const s = streams[dir];
    const offset = s.bytes.length;
    s.bytes.push(contentType, 3, 3, 0, 0);
    const rec: TlsRecord = {
      index: records.length,
      direction: dir,
      offset,
      length: 5,
      contentType,
      legacyVersion: 0x0303,
      declaredLength: 0,
      bodyOffset: offset + 5,
      bodyLength: 0,
      timeMs: t,
      encrypted: false,
      fields: [
        { name: 'content_type', label: 'Content type', offset, length: 1, value: contentType },
        { name: 'legacy_version', label: 'Legacy version', offset: offset + 1, length: 2, value: 0x0303 },
        { name: 'length', label: 'Length', offset: offset + 3, length: 2, value: 0 },
      ],
    };
    records.push(rec);
    return rec;
  };
  const grow = (rec: TlsRecord, body: number[]): number => {
    const s = streams[rec.direction];
    const at = s.bytes.length;
    s.bytes.push(...body);
    rec.length += body.length;
    rec.bodyLength += body.length;
    rec.declaredLength += body.length;
    s.bytes[rec.offset + 3] = rec.declaredLength >> 8;
    s.bytes[rec.offset + 4] = rec.declaredLength & 0xff;
    rec.fields[2].value = rec.declaredLength;
    return at;
  };

  let last: TlsRecord | undefined;
  for (const spec of specs) {
    const ct = 'hs' in spec ? 22 : 'ccs' in spec ? 20 : 'alert' in spec ? 21 : (spec.contentType ?? 23);
    const join = 'join' in spec && spec.join && last && last.direction === spec.dir && last.contentType === ct;
    const rec = join && last ? last : openRecord(spec.dir, spec.t, ct);
    last = rec;
    const base = { direction: spec.dir, space: spaces[spec.dir], records: [rec.index], timeMs: spec.t };
    if ('hs' in spec) {
      const size = spec.size ?? 8;
      const msgType = msgTypeOf(spec.hs.type);
      const body = Array.from({ length: size }, (_, i) => (i * 7 + msgType) & 0xff);
      const at = grow(rec, [msgType, size >> 16, (size >> 8) & 0xff, size & 0xff, ...body]);
      const fields: Field[] = [
        {
          name: 'handshake',
          label: 'Handshake',
          offset: at,
          length: 4 + size,
          children: [
            { name: 'msg_type', label: 'Handshake type', offset: at, length: 1, value: msgType },
            { name: 'length', label: 'Length', offset: at + 1, length: 3, value: size },
            { name: 'body', label: 'Body', offset: at + 4, length: size, value: Buffer.from(body).toString('hex') },
          ],
        },
      ];
      if (spec.decrypted) {
        // The plaintext lives in its own space; the record carries an opaque encrypted body.
        rec.encrypted = true;
        rec.contentType = 23;
        streams[spec.dir].bytes[rec.offset] = 23;
        rec.fields[0].value = 23;
        rec.fields.push({ name: 'encrypted_body', label: 'Encrypted body', offset: at, length: 4 + size });
        const plain: ByteSpace = {
          id: `${spec.dir}/plain#${rec.index}`,
          direction: spec.dir,
          bytes: Uint8Array.from([msgType, size >> 16, (size >> 8) & 0xff, size & 0xff, ...body]),
          segments: [],
          decrypted: true,
        };
        extraSpaces.push(plain);
        const shift = (f: Field): Field => ({ ...f, offset: f.offset - at, children: f.children?.map(shift) });
        messages.push({
          ...base,
          kind: 'handshake',
          space: plain,
          offset: 0,
          length: 4 + size,
          fields: fields.map(shift),
          msgType,
          declaredLength: size,
          body: spec.hs,
          raw: Buffer.from(plain.bytes).toString('hex'),
        });
      } else {
        messages.push({ ...base, kind: 'handshake', offset: at, length: 4 + size, fields, msgType, declaredLength: size, body: spec.hs, raw: '' });
      }
    } else if ('ccs' in spec) {
      const at = grow(rec, [1]);
      messages.push({
        ...base,
        kind: 'change_cipher_spec',
        offset: at,
        length: 1,
        compatibility: spec.compatibility ?? false,
        fields: [{ name: 'ccs', label: 'ChangeCipherSpec', offset: at, length: 1, value: 1 }],
      });
    } else if ('alert' in spec) {
      const at = grow(rec, spec.alert);
      messages.push({
        ...base,
        kind: 'alert',
        offset: at,
        length: 2,
        level: spec.alert[0],
        description: spec.alert[1],
        fields: [
          { name: 'level', label: 'Alert level', offset: at, length: 1, value: spec.alert[0] },
          { name: 'description', label: 'Alert description', offset: at + 1, length: 1, value: spec.alert[1] },
        ],
      });
    } else {
      const at = grow(rec, Array.from({ length: spec.encrypted }, (_, i) => (i * 13) & 0xff));
      rec.encrypted = true;
      messages.push({
        ...base,
        kind: 'encrypted',
        offset: at,
        length: spec.encrypted,
        contentType: rec.contentType,
        guess: spec.guess,
        fields: [{ name: 'encrypted', label: 'Encrypted data', offset: at, length: spec.encrypted }],
      });
    }
  }

  for (const dir of ['client', 'server'] as const) {
    const s = streams[dir];
    spaces[dir].bytes = Uint8Array.from(s.bytes);
    spaces[dir].segments = [{ at: 0, streamOffset: 0, length: s.bytes.length }];
  }
  // One capture chunk per record, at the record's time.
  const chunks: CaptureChunk[] = records.map((r) => ({
    direction: r.direction,
    timeMs: r.timeMs,
    offset: r.offset,
    bytes: spaces[r.direction].bytes.slice(r.offset, r.offset + r.length),
  }));
  chunks.sort((a, b) => a.timeMs - b.timeMs);
  const capture: Capture = {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: 'example.test', port: 443, servername: opts.servername ?? 'example.test', address: '127.0.0.1', family: 4 },
    startedAt: '2026-01-01T00:00:00.000Z',
    timings: { dnsMs: 0.5, connectMs: 0.3, tlsMs: 4.2, totalMs: 5.1 },
    options: {},
    chunks,
    keylog: [],
    node: opts.node,
    error: opts.error,
  };
  return { capture, decoded: { records, messages, spaces: [spaces.client, spaces.server, ...extraSpaces], issues: [] } };
}
