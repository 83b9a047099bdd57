// check --ct-tls: one extra TLS 1.2 ClientHello that asks for the signed_certificate_timestamp
// extension (RFC 6962 §3.3.1), which Node's client cannot send. Up to TLS 1.2 the server answers
// in the plaintext ServerHello, so the probe reads until the ServerHello is decoded (by the one
// decoder) and hangs up: no key exchange, no certificate check. TLS 1.3 carries the extension in
// the encrypted Certificate message, which this probe does not reach: a TLS 1.3-only server gives
// no answer here.

import { exchangeFirstFlight, type ProbeEndpoint } from '../capture/probe-connection.js';
import { decodeStream } from '../decode/index.js';
import { certificateOf } from '../decode/model.js';
import type { DecodedSct } from '../decode/sct.js';
import { Ext, Version } from '../registry/index.js';
import { suiteCandidates } from '../scan/candidates.js';
import { makeHello } from '../scan/hello.js';

export interface TlsSctProbe {
  /** The SCTs of the ServerHello's extension (empty: it sent none). */
  scts: DecodedSct[];
  /** Why there is no answer to judge (connection failed, not a TLS 1.2 ServerHello). */
  note?: string;
}

/**
 * Whether `bytes` end where a TLS record ends: only then is decoding worth trying again. A
 * server that drips its flight a byte at a time would otherwise have it decoded once per byte.
 */
function endsOnRecord(bytes: Uint8Array): boolean {
  let at = 0;
  while (at + 5 <= bytes.length) at += 5 + bytes[at + 3] * 256 + bytes[at + 4];
  return at === bytes.length;
}

/** The ServerHello's SCT list and the leaf of the Certificate after it, once both are decoded. */
function firstFlight(received: Uint8Array): { scts: DecodedSct[]; leaf: string } | undefined {
  if (!endsOnRecord(received)) return undefined;
  let scts: DecodedSct[] | undefined;
  for (const m of decodeStream('server', received).messages) {
    if (m.kind !== 'handshake' || !m.body) continue;
    if (m.body.type === 'server_hello') {
      const info = m.body.extensions.find((e) => e.type === Ext.signed_certificate_timestamp)?.info;
      scts = info?.kind === 'signed_certificate_timestamp' ? (info.scts ?? []) : [];
    }
    const cert = certificateOf(m.body);
    if (scts && cert?.entries[0]) return { scts, leaf: cert.entries[0].der };
  }
  return undefined;
}

/**
 * The SCTs a TLS 1.2 handshake's ServerHello carries for `leaf` (DER hex, the certificate the
 * main handshake judged). A server with several certificates (ECDSA and RSA) may answer this hello
 * with another one: its SCTs are then not this leaf's, and are not returned.
 */
export async function probeTlsScts(endpoint: ProbeEndpoint, servername: string | undefined, leaf: string, timeoutMs: number): Promise<TlsSctProbe> {
  const hello = makeHello({
    version: Version.TLS12,
    suites: suiteCandidates(Version.TLS12),
    ...(servername ? { sni: servername } : {}),
    extra: [{ type: 'status_request' }, { type: 'raw', code: Ext.signed_certificate_timestamp, data: new Uint8Array(0) }],
  });
  let flight: { scts: DecodedSct[]; leaf: string } | undefined;
  const r = await exchangeFirstFlight(endpoint, hello, {
    timeoutMs,
    enough: (received) => (flight = firstFlight(received)) !== undefined,
  });
  if (flight) return flight.leaf === leaf ? { scts: flight.scts } : { scts: [], note: 'the TLS 1.2 probe was answered with another certificate' };
  return { scts: [], note: r.end === 'answered' ? 'no TLS 1.2 ServerHello' : `the TLS 1.2 probe for SCTs ended: ${r.end}${r.errorCode ? ` (${r.errorCode})` : ''}` };
}
