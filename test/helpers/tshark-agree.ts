// Field-by-field agreement between tls-trace's decoding (decrypted with the capture's key log) and
// tshark's reading of the very same capture file: every handshake message of each direction, its
// type and length, hello versions, randoms, session ids, suites and extension types, certificates
// and the server key exchange. Used by every `tls-trace read` test on real captures.

import type { Capture } from '../../src/capture/types.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { Extension, HandshakeMessage } from '../../src/decode/model.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import type { Recorded } from './pcap-tools.js';
import { hex, num, tsharkDecodeFile, tsharkHandshakes, type TsharkHandshake } from './tshark.js';

const directions = ['client', 'server'] as const;

/** The fields both decoders give, as one comparable shape. */
type View = Record<string, unknown>;

function ourView(m: HandshakeMessage): View {
  const b = m.body;
  const base: View = { direction: m.direction, type: m.msgType, length: m.declaredLength };
  const exts = (e: Extension[]): number[] => e.map((x) => x.type);
  if (b?.type === 'client_hello') return { ...base, version: b.legacyVersion, random: b.random, sessionId: b.sessionId, suites: b.cipherSuites, extensions: exts(b.extensions) };
  if (b?.type === 'server_hello') return { ...base, version: b.legacyVersion, random: b.random, sessionId: b.sessionId, suites: [b.cipherSuite], extensions: exts(b.extensions) };
  if (b?.type === 'certificate') return { ...base, certificates: b.entries.map((e) => e.der) };
  if (b?.type === 'server_key_exchange') return { ...base, group: b.namedGroup, publicKey: b.publicKey };
  return base;
}

function theirView(h: TsharkHandshake): View {
  const f = h.fields;
  const base: View = { direction: h.direction, type: h.type, length: h.length };
  if (h.type === 1 || h.type === 2) {
    return { ...base, version: num(f['tls.handshake.version']?.[0]), random: hex(f['tls.handshake.random']?.[0]), sessionId: hex(f['tls.handshake.session_id']?.[0]), suites: (f['tls.handshake.ciphersuite'] ?? []).map(num), extensions: h.extensions.map((e) => e.type) };
  }
  if (h.type === 11) return { ...base, certificates: (f['tls.handshake.certificate'] ?? []).map(hex) };
  if (h.type === 12) return { ...base, group: num(f['tls.handshake.server_named_curve']?.[0]), publicKey: hex(f['tls.handshake.server_point']?.[0]) };
  return base;
}

/** Ours (decrypted when the capture has its key log) against tshark reading the very same file. */
export async function agreeWithTshark(r: Recorded, capture: Capture): Promise<HandshakeMessage[]> {
  const { trace, decryption } = decryptAndMerge(capture, decodeCapture(capture));
  expect(decryption.status).toBe('decrypted');
  const theirs = tsharkHandshakes(await tsharkDecodeFile(r.pcap, r.port, r.keylog));
  const ours = trace.messages.filter((m): m is HandshakeMessage => m.kind === 'handshake');
  for (const d of directions) {
    expect(ours.filter((m) => m.direction === d).map(ourView)).toEqual(theirs.filter((h) => h.direction === d).map(theirView));
  }
  // Not two empty lists: the ClientHello's extensions and a decrypted Finished were compared.
  expect(theirs.find((h) => h.type === 1)?.extensions.length).toBeGreaterThan(3);
  expect(ours.some((m) => m.space.decrypted && m.msgType === 20)).toBe(true);
  return ours;
}

