// Verification past one of tls-trace's caps (src/limits.ts). Where the decoder stopped, the
// transcript misses whatever the undecoded bytes held, so a Finished or CertificateVerify that does
// not match proves nothing about the peer: it is "not verified", never a failure. A Finished that
// lies in the undecoded part is said to be not verified too, rather than left out silently.

import type { DecodeCap, DecodedTrace, Message } from '../decode/model.js';
import type { Direction } from '../decode/types.js';
import type { VerificationFact } from './types.js';

/** Checks whose input is the handshake transcript (a hole in it changes the expected value). */
const TRANSCRIPT_CHECKS = new Set<VerificationFact['check']>(['server-finished', 'client-finished', 'server-certificate-verify', 'client-certificate-verify']);

const title = (d: Direction): string => (d === 'server' ? 'Server' : 'Client');

function timeOf(decoded: DecodedTrace, records: readonly number[]): number | undefined {
  return records.length > 0 ? decoded.records[records[0]]?.timeMs : undefined;
}

/**
 * Rewrites `facts` for a trace whose decoding stopped at a cap. `keys`: whether the key log had
 * secrets for this connection (without them no Finished is ever checked, capped or not).
 */
export function verificationPastCaps(facts: VerificationFact[], decoded: DecodedTrace, keys: boolean): VerificationFact[] {
  const caps = decoded.caps ?? [];
  if (caps.length === 0) return facts;
  // The earliest cap before a message is the one that can have cut its transcript.
  const capBefore = (t: number | undefined): DecodeCap | undefined => caps.find((c) => t === undefined || c.timeMs <= t);
  const out = facts.map((f): VerificationFact => {
    const cap = f.ok || !TRANSCRIPT_CHECKS.has(f.check) ? undefined : capBefore(timeOf(decoded, f.records));
    if (!cap) return f;
    const { expected: _expected, ...rest } = f;
    return { ...rest, notVerified: true, reason: `not verified: ${cap.said}, so the transcript it covers is incomplete` };
  });
  if (!keys) return out;
  for (const cap of caps) {
    const check = cap.direction === 'server' ? 'server-finished' : 'client-finished';
    if (out.some((f) => f.check === check)) continue;
    const span = decoded.messages.find((m: Message) => m.kind === 'opaque' && m.cap === true && m.direction === cap.direction);
    out.push({
      check,
      label: `${title(cap.direction)} Finished`,
      ok: false,
      notVerified: true,
      reason: `not verified: ${cap.said}, and its Finished is in the part not decoded`,
      direction: cap.direction,
      records: span ? [...span.records] : [],
    });
  }
  return out;
}
