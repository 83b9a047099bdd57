// Verification facts over a (decrypted) trace: each Finished recomputed from the transcript and
// compared, the CertificateVerify and ServerKeyExchange signatures checked with the leaf key.
// Walks the handshake messages in capture order, which is the order they were sent.

import { TLS13 } from '../decode/context.js';
import { certificateOf, type DecodedTrace, type HandshakeBody, type HandshakeMessage } from '../decode/model.js';
import type { Direction } from '../decode/types.js';
import type { HashName } from './hkdf.js';
import { verifyData12 } from './prf.js';
import { verifyCertificateVerify13, verifyLegacySignature, verifyServerKeyExchange, verifyWithScheme } from './signatures.js';
import { verifyData13 } from './tls13.js';
import { transcriptBytes, transcriptHash, type TranscriptEntry } from './transcript.js';
import type { VerificationFact } from './types.js';
import { verificationPastCaps } from './verify-caps.js';

const HELLO_REQUEST = 0;
const NEW_SESSION_TICKET = 4;
const KEY_UPDATE = 24;

export interface VerificationInputs {
  decoded: DecodedTrace;
  facts: { clientRandom?: string; serverRandom?: string; version?: number };
  /** Present once keys were found. */
  secrets?: {
    tls13: boolean;
    hash: HashName;
    clientHandshake?: Buffer;
    serverHandshake?: Buffer;
    master?: Buffer;
  };
}

const title = (d: Direction): string => (d === 'server' ? 'Server' : 'Client');

/** What the checks read while the walk goes on: the transcript so far and the holes in it. */
interface Walk {
  tls13: boolean;
  inputs: VerificationInputs;
  secrets: VerificationInputs['secrets'];
  entries: TranscriptEntry[];
  /** Protected records that stayed encrypted leave holes in the transcript; said on a mismatch. */
  undecrypted: number;
}

/** A handshake message whose body is known to be of type T. */
type HandshakeOf<T extends HandshakeBody['type']> = HandshakeMessage & { body: Extract<HandshakeBody, { type: T }> };

export function verifyTrace(merged: DecodedTrace, inputs: VerificationInputs): VerificationFact[] {
  const facts: VerificationFact[] = [];
  const walk: Walk = { tls13: inputs.facts.version === TLS13, inputs, secrets: inputs.secrets, entries: [], undecrypted: 0 };
  const leaf: Partial<Record<Direction, Uint8Array | NotDecompressed>> = {};
  const finishedSeen = new Set<Direction>();
  for (const m of merged.messages) {
    if (m.kind === 'encrypted') walk.undecrypted += 1;
    if (m.kind !== 'handshake') continue;
    const raw = Buffer.from(m.raw, 'hex');
    if (m.msgType === HELLO_REQUEST) continue;
    // TLS 1.3 post-handshake messages are not part of the handshake transcript.
    if (walk.tls13 && (m.msgType === NEW_SESSION_TICKET || m.msgType === KEY_UPDATE)) continue;
    const body = m.body;
    const dir = m.direction;
    const cert = certificateOf(body);
    if (cert) {
      leaf[dir] = cert.entries.length > 0 ? Buffer.from(cert.entries[0].der, 'hex') : undefined;
    } else if (body?.type === 'compressed_certificate') {
      // The leaf is in there but could not be read: the signatures cannot be checked, which is
      // not a fault of the peer.
      leaf[dir] = { notDecompressed: body.notDecompressed ?? 'the compressed certificate was not decompressed' };
    } else if (body?.type === 'certificate_verify') {
      const fact = checkCertificateVerify(m as HandshakeOf<'certificate_verify'>, leaf[dir], walk);
      if (fact) facts.push(fact);
    } else if (body?.type === 'server_key_exchange' && body.signature !== undefined && body.params !== undefined) {
      facts.push(checkServerKeyExchange(m as HandshakeOf<'server_key_exchange'>, leaf.server, walk));
    } else if (body?.type === 'finished' && walk.secrets && !finishedSeen.has(dir)) {
      finishedSeen.add(dir);
      facts.push(checkFinished(m as HandshakeOf<'finished'>, walk.secrets, walk));
    }
    walk.entries.push({ msgType: m.msgType, raw, helloRetryRequest: body?.type === 'server_hello' && body.helloRetryRequest });
  }
  return verificationPastCaps(facts, merged, walk.secrets !== undefined);
}

/** A compressed Certificate whose leaf could not be read, and why. */
interface NotDecompressed {
  notDecompressed: string;
}

function notVerified(base: Omit<VerificationFact, 'ok' | 'reason'>, leaf: NotDecompressed): VerificationFact {
  return { ...base, ok: false, notVerified: true, reason: `not verified: ${leaf.notDecompressed}` };
}

function checkCertificateVerify(m: HandshakeOf<'certificate_verify'>, key: Uint8Array | NotDecompressed | undefined, walk: Walk): VerificationFact | undefined {
  const dir = m.direction;
  const body = m.body;
  const base = { check: `${dir}-certificate-verify` as const, label: `${title(dir)} CertificateVerify`, direction: dir, records: m.records };
  if (key && 'notDecompressed' in key) return notVerified(base, key);
  if (!key) return { ...base, ok: false, reason: `no ${dir} Certificate with a leaf was decoded before the CertificateVerify` };
  const signature = Buffer.from(body.signature, 'hex');
  if (walk.tls13) {
    if (!walk.secrets) return undefined;
    if (body.signatureScheme === undefined) return { ...base, ok: false, reason: 'the CertificateVerify names no signature scheme' };
    const r = verifyCertificateVerify13(key, dir, body.signatureScheme, signature, transcriptHash(walk.secrets.hash, walk.entries));
    return { ...base, ok: r.ok, reason: r.reason };
  }
  // TLS 1.0–1.2 (client) CertificateVerify signs the handshake messages so far; 1.0/1.1 name no scheme.
  const data = transcriptBytes(walk.secrets?.hash ?? 'sha256', walk.entries);
  const r = body.signatureScheme === undefined ? verifyLegacySignature(key, data, signature) : verifyWithScheme(key, body.signatureScheme, data, signature);
  return { ...base, ok: r.ok, reason: r.reason };
}

function checkServerKeyExchange(m: HandshakeOf<'server_key_exchange'>, key: Uint8Array | NotDecompressed | undefined, walk: Walk): VerificationFact {
  const body = m.body;
  const base = { check: 'server-key-exchange' as const, label: 'ServerKeyExchange signature', direction: m.direction, records: m.records };
  if (key && 'notDecompressed' in key) return notVerified(base, key);
  const { clientRandom, serverRandom } = walk.inputs.facts;
  if (!key) return { ...base, ok: false, reason: 'no server Certificate with a leaf was decoded before the ServerKeyExchange' };
  if (!clientRandom || !serverRandom) return { ...base, ok: false, reason: 'the hello randoms the signature covers were not decoded' };
  const r = verifyServerKeyExchange(
    key,
    Buffer.from(clientRandom, 'hex'),
    Buffer.from(serverRandom, 'hex'),
    Buffer.from(body.params!, 'hex'),
    Buffer.from(body.signature!, 'hex'),
    body.signatureScheme,
  );
  return { ...base, ok: r.ok, reason: r.reason };
}

function checkFinished(m: HandshakeOf<'finished'>, secrets: NonNullable<VerificationInputs['secrets']>, walk: Walk): VerificationFact {
  const dir = m.direction;
  const { entries, undecrypted } = walk;
  const base = { check: `${dir}-finished` as const, label: `${title(dir)} Finished`, direction: dir, records: m.records };
  const actual = m.body.verifyData;
  let expected: Buffer | undefined;
  let how: string;
  if (secrets.tls13) {
    const secret = dir === 'server' ? secrets.serverHandshake : secrets.clientHandshake;
    how = 'HMAC(finished_key, transcript hash)';
    if (secret) expected = verifyData13(secrets.hash, secret, transcriptHash(secrets.hash, entries));
  } else {
    how = `PRF(master_secret, "${dir} finished", Hash(handshake messages))[0..11]`;
    if (secrets.master) expected = verifyData12(secrets.hash, secrets.master, dir, transcriptHash(secrets.hash, entries));
  }
  if (!expected) return { ...base, ok: false, reason: `cannot recompute verify_data: the key log has no ${dir} handshake secret`, actual };
  const exp = expected.toString('hex');
  if (exp === actual) {
    return { ...base, ok: true, reason: `verify_data equals ${how} over ${entries.length} handshake message${entries.length === 1 ? '' : 's'}`, expected: exp, actual };
  }
  const reason =
    undecrypted > 0
      ? `verify_data does not match ${how}: ${undecrypted} protected record${undecrypted === 1 ? ' was' : 's were'} not decrypted, so the transcript is incomplete`
      : `verify_data does not match ${how}: the transcript or the keys differ`;
  return { ...base, ok: false, reason, expected: exp, actual };
}
