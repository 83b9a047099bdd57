// The quick scan behind `read`'s connections table (src/decode/handshake-scan.ts) must give the
// full pipeline's facts whenever it answers. Real handshakes (the recorded fixtures, as a capture
// file would give them: no Node summary, no key log) are compared as recorded, re-cut into tiny
// chunks, cut short at many points and with bytes changed; the plain ones must take the quick path
// (a hello re-framed over several records is left to the full decoder). The fingerprint inputs the
// scan reads from the hello bytes are compared with the decoded hellos', on recorded and hand-built
// hellos, and hand-written JA3/JA4 strings.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { connectionFacts, fullConnectionFacts, quickConnectionFacts, scannedFacts } from '../../src/analyse/connection-facts.js';
import { clientHelloCodePoints, fingerprintsOf, serverHelloCodePoints, type Fingerprints } from '../../src/analyse/fingerprints.js';
import type { ClientHello, ServerHello } from '../../src/decode/model.js';
import { buildClientHello, type ExtensionSpec } from '../../src/scan/client-hello-builder.js';
import { decodeCapture } from '../../src/decode/index.js';
import { parseCapture } from '../../src/capture/capture-file.js';
import type { Capture, CaptureChunk } from '../../src/capture/types.js';
import { scanHandshake } from '../../src/decode/handshake-scan.js';
import { repoRoot } from '../helpers/servers.js';

const dir = path.join(repoRoot, 'fixtures', 'captures');

/** A recorded live capture as `read` would make it from a packet capture. */
function asFileCapture(file: string): Capture {
  const c = parseCapture(readFileSync(path.join(dir, file), 'utf8'), file);
  delete c.node;
  delete c.error;
  c.keylog = [];
  return c;
}

/** The quick facts when the scan answers, else undefined; and the full ones. */
function both(c: Capture): { quick?: ReturnType<typeof fullConnectionFacts>; full: ReturnType<typeof fullConnectionFacts> } {
  const scan = scanHandshake(c.chunks);
  const quick = scan?.protectedBoth ? scannedFacts(c, scan) : undefined;
  return { ...(quick ? { quick } : {}), full: fullConnectionFacts(c) };
}

function rechunk(chunks: readonly CaptureChunk[], size: (i: number) => number): CaptureChunk[] {
  const out: CaptureChunk[] = [];
  let i = 0;
  for (const c of chunks) {
    for (let at = 0; at < c.bytes.length; ) {
      const n = Math.min(size(i++), c.bytes.length - at);
      out.push({ ...c, offset: c.offset + at, bytes: c.bytes.subarray(at, at + n) });
      at += n;
    }
  }
  return out;
}

/** Deterministic pseudo-random numbers (xorshift), so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const plain = ['openssl-tls13.json', 'node-tls13.json', 'openssl-tls12-ecdhe-rsa.json', 'openssl-tls12-rsa-kx.json'];

describe('the quick scan gives the full pipeline facts', () => {
  it.each(plain)('%s takes the quick path, with the full facts', (file) => {
    const c = asFileCapture(file);
    const { quick, full } = both(c);
    expect(quick).toBeDefined();
    expect(quick).toEqual(full);
    expect(connectionFacts(c)).toEqual(full);
    // Values from the recording (independent of both paths): a complete handshake on the version recorded.
    expect(full.outcome.complete).toBe(true);
    expect(full.version).toBe(file.includes('tls12') ? 'TLS 1.2' : 'TLS 1.3');
    // The fingerprints are there (JA3, JA4 and JA3S) and are the ones the decoder's trace gives.
    expect(quick?.fingerprints.ja3?.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(quick?.fingerprints.ja4?.ja4).toMatch(/^t1[23]/);
    expect(quick?.fingerprints.ja3s?.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(quick?.fingerprints).toEqual(fingerprintsOf(decodeCapture(c)));
    expect(Object.keys(quick?.fingerprints ?? {})).toEqual(Object.keys(full.fingerprints));
  });

  it.each(plain)('%s after a plaintext prologue (STARTTLS, PROXY): left to the full path, which sees the prologue', (file) => {
    const c = asFileCapture(file);
    const first = c.chunks[0];
    const withPrologue: Capture = { ...c, prologue: [{ direction: 'client', timeMs: first.timeMs - 1, bytes: Buffer.from('PROXY TCP4 127.0.0.1 127.0.0.1 40000 443\r\n') }] };
    expect(quickConnectionFacts(withPrologue)).toBeUndefined();
    expect(connectionFacts(withPrologue)).toEqual(fullConnectionFacts(withPrologue));
  });

  it.each(plain)('%s with a gap in the server stream: left to the full path', (file) => {
    const c = asFileCapture(file);
    const server = c.chunks.filter((ch) => ch.direction === 'server');
    const cut = server[Math.min(1, server.length - 1)];
    const gapped: Capture = {
      ...c,
      chunks: c.chunks.filter((ch) => ch !== cut),
      gaps: [{ direction: 'server', offset: cut.offset, length: cut.bytes.length }],
    };
    expect(quickConnectionFacts(gapped)).toBeUndefined();
    const full = fullConnectionFacts(gapped);
    expect(connectionFacts(gapped)).toEqual(full);
    // The hellos are still there, so the full path's fingerprints are too (and the quick path's must not stand in).
    expect(full.fingerprints.ja3).toEqual(fullConnectionFacts(c).fingerprints.ja3);
  });

  it('a HelloRetryRequest is left to the full decoder', () => {
    const c = asFileCapture('openssl-tls13-hrr.json');
    expect(both(c).quick).toBeUndefined();
  });

  it.each(files)('%s re-cut into chunks of 1 to 7 bytes: the same answers', (file) => {
    const c = asFileCapture(file);
    const random = rng(7);
    const cut = { ...c, chunks: rechunk(c.chunks, () => 1 + Math.floor(random() * 7)) };
    const { quick, full } = both(cut);
    expect(full).toEqual(both(c).full);
    if (quick) expect(quick).toEqual(full);
  });

  it.each(files)('%s cut short at many points: the quick answer, when given, is the full one', (file) => {
    const c = asFileCapture(file);
    const total = c.chunks.reduce((n, ch) => n + ch.bytes.length, 0);
    for (let keep = 0; keep < total; keep += Math.max(1, Math.floor(total / 97))) {
      let left = keep;
      const chunks = c.chunks.flatMap((ch) => {
        const n = Math.min(left, ch.bytes.length);
        left -= n;
        return n > 0 ? [{ ...ch, bytes: ch.bytes.subarray(0, n) }] : [];
      });
      const { quick, full } = both({ ...c, chunks });
      if (quick) expect(quick).toEqual(full);
    }
  });

  it.each(files)('%s with one byte changed (300 seeded cases): the quick answer, when given, is the full one', (file) => {
    const c = asFileCapture(file);
    const random = rng(file.length * 7919);
    let quickAnswers = 0;
    for (let i = 0; i < 300; i++) {
      const ci = Math.floor(random() * Math.min(c.chunks.length, 6));
      const bytes = Buffer.from(c.chunks[ci].bytes);
      // Mostly in the first bytes, where the record headers and hellos are.
      bytes[Math.floor(random() * Math.min(bytes.length, 400))] = Math.floor(random() * 256);
      const chunks = c.chunks.map((ch, j) => (j === ci ? { ...ch, bytes } : ch));
      const { quick, full } = both({ ...c, chunks });
      if (quick) {
        quickAnswers++;
        expect(quick).toEqual(full);
      }
    }
    if (plain.includes(file)) expect(quickAnswers).toBeGreaterThan(0);
  });
});

/**
 * `c` with its ClientHello record replaced by `record` (the rest of the client's bytes shifted
 * after it), so the quick scan reads a hand-built hello beside a real server's answer.
 */
function withClientHello(c: Capture, record: Uint8Array): Capture {
  const client = c.chunks.filter((ch) => ch.direction === 'client');
  const first = client[0].bytes;
  const old = 5 + ((first[3] << 8) | first[4]);
  if (first.length < old) throw new Error('the recorded ClientHello is split over chunks');
  const delta = record.length - old;
  const chunks = c.chunks.map((ch) => {
    if (ch.direction !== 'client') return ch;
    if (ch === client[0]) return { ...ch, bytes: Buffer.concat([record, first.subarray(old)]) };
    return { ...ch, offset: ch.offset + delta };
  });
  return { ...c, chunks };
}

const GREASE = 0x0a0a;
const raw = (code: number, bytes: number[]): ExtensionSpec => ({ type: 'raw', code, data: Uint8Array.from(bytes) });
const builtHellos: [string, ExtensionSpec[], number[]][] = [
  ['GREASE in every list, two ALPN names', [raw(GREASE, []), { type: 'server_name', host: 'localhost' }, { type: 'supported_groups', groups: [GREASE, 0x001d, 0x0017] }, { type: 'ec_point_formats', formats: [0, 1] }, { type: 'signature_algorithms', schemes: [GREASE, 0x0403, 0x0804] }, { type: 'alpn', protocols: ['h2', 'http/1.1'] }, { type: 'supported_versions', versions: [GREASE, 0x0304, 0x0303] }, raw(0x1a1a, [0])], [GREASE, 0x1301, 0x1302]],
  ['an ALPN name ending in a non-alphanumeric byte (JA4 takes its hex)', [{ type: 'alpn', protocols: ['h2/'] }, { type: 'supported_versions', versions: [0x0304] }], [0x1301]],
  ['no extensions JA3/JA4 list', [{ type: 'extended_master_secret' }, { type: 'renegotiation_info' }], [0xc02f, 0x1301]],
];
const malformedHellos: [string, ExtensionSpec[]][] = [
  ['supported_groups of odd length', [raw(10, [0, 3, 0, 0x1d, 0])]],
  ['supported_groups with bytes after its list', [raw(10, [0, 2, 0, 0x1d, 0])]],
  ['empty ec_point_formats', [raw(11, [0])]],
  ['empty signature_algorithms', [raw(13, [0, 0])]],
  ['supported_versions of odd length', [raw(43, [3, 3, 4, 3])]],
  ['supported_versions with an empty body', [raw(43, [])]],
];

describe('the quick scan reads the fingerprint inputs the decoder reads', () => {
  const base = asFileCapture('openssl-tls13.json');
  const quickAndDecoded = (c: Capture): { quick?: Fingerprints; decoded: Fingerprints } => {
    const quick = quickConnectionFacts(c)?.fingerprints;
    return { ...(quick ? { quick } : {}), decoded: fingerprintsOf(decodeCapture(c)) };
  };

  it.each(plain)('%s: the code points of both hellos are the decoded hellos\'', (file) => {
    const c = asFileCapture(file);
    const scan = scanHandshake(c.chunks);
    const messages = decodeCapture(c).messages;
    const body = (type: string): ClientHello | ServerHello | undefined => {
      for (const m of messages) if (m.kind === 'handshake' && m.body?.type === type) return m.body as ClientHello | ServerHello;
      return undefined;
    };
    expect(scan?.clientCodePoints).toEqual(clientHelloCodePoints(body('client_hello') as ClientHello));
    expect(scan?.serverCodePoints).toEqual(serverHelloCodePoints(body('server_hello') as ServerHello));
    // Values from the recording itself: openssl and Node offer TLS 1.3 and 1.2 and several groups.
    expect(scan?.clientCodePoints.versions).toContain(0x0304);
    expect(scan?.clientCodePoints.groups.length).toBeGreaterThan(1);
  });

  it.each(builtHellos)('a hand-built ClientHello (%s) takes the quick path with the decoder\'s fingerprints', (_name, extensions, cipherSuites) => {
    const c = withClientHello(base, buildClientHello({ version: 0x0303, cipherSuites, extensions }));
    const { quick, decoded } = quickAndDecoded(c);
    expect(quick).toBeDefined();
    expect(quick).toEqual(decoded);
  });

  it('JA4 of the built hello with GREASE: written out by hand from the specification', () => {
    const [, extensions, suites] = builtHellos[0];
    const quick = quickConnectionFacts(withClientHello(base, buildClientHello({ version: 0x0303, cipherSuites: suites, extensions })))?.fingerprints;
    // 2 suites and 6 extensions without GREASE; SNI present (d); ALPN "h2".
    expect(quick?.ja4?.ja4_ro).toBe('t13d0206h2_1301,1302_0000,000a,000b,000d,0010,002b_0403,0804');
    expect(quick?.ja3?.full).toBe('771,4865-4866,0-10-11-13-16-43,29-23,0-1');
  });

  it.each(malformedHellos)('a ClientHello with %s: the quick path does not answer differently from the decoder', (_name, extensions) => {
    const c = withClientHello(base, buildClientHello({ version: 0x0303, cipherSuites: [0x1301], extensions }));
    const { quick, decoded } = quickAndDecoded(c);
    if (quick) expect(quick).toEqual(decoded);
    expect(quick).toBeUndefined();
  });
});
