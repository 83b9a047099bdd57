// Heartbleed (CVE-2014-0160), gently: one connection offering the heartbeat extension (RFC 6520).
// Only if the ServerHello accepts it, after ServerHelloDone the probe sends one heartbeat request
// carrying 16 payload bytes and 16 bytes of padding but declaring 32 payload bytes, then a
// close_notify. A server that follows RFC 6520 §4 discards the request (its length does not fit
// the record) and closes at the close_notify. A vulnerable one trusts the declared length and
// echoes 32 bytes: our 16 payload bytes and the 16 padding bytes that follow them in its record
// buffer, so detection needs no byte of the server's memory beyond our own record.

import { ContentType, Ext } from '../../registry/index.js';
import { SCAN_FOLLOW_UP_BYTES } from '../../limits.js';
import type { ScanContext } from '../context.js';
import type { FlightSummary } from '../first-flight.js';
import type { FollowUp } from '../probe.js';
import type { ProbeOutcome } from '../types.js';
import { probeBest12, type VersionsFound } from '../versions.js';
import { closeNotify, noFollowUp, readAfter, record, silentEnd, alertText } from './follow-up.js';

/** Payload bytes sent: a recognisable pattern, so an echo of it is easy to spot in the evidence. */
export const HEARTBEAT_PAYLOAD = Uint8Array.from(Buffer.from('tls-trace probe!', 'ascii'));
/** How many bytes more than sent the request declares: the padding we send, nothing beyond it. */
export const HEARTBEAT_OVERCLAIM = 16;
/** RFC 6520 §4: at least 16 bytes of padding. */
const PADDING = new Uint8Array(16);

/** The heartbeat_request record: type 1, the overclaimed length, the payload, the padding. */
export function heartbeatRequest(version: number): Uint8Array {
  const declared = HEARTBEAT_PAYLOAD.length + HEARTBEAT_OVERCLAIM;
  return record(ContentType.heartbeat, version, [1, declared >> 8, declared & 0xff, ...HEARTBEAT_PAYLOAD, ...PADDING]);
}

const accepted = (f: FlightSummary): boolean => Boolean(f.serverHelloDone && f.serverHello?.extensionTypes.includes(Ext.heartbeat));

function followUp(): FollowUp {
  return {
    send: (f) => (accepted(f) ? Buffer.concat([heartbeatRequest(f.serverHello!.version), closeNotify(f.serverHello!.version)]) : undefined),
    enough: (after) => {
      const a = readAfter(after);
      return a.heartbeats.length > 0 || a.alert !== undefined;
    },
    maxBytes: SCAN_FOLLOW_UP_BYTES,
  };
}

export async function probeHeartbleed(ctx: ScanContext, found: VersionsFound): Promise<ProbeOutcome> {
  // mode 1: peer_allowed_to_send (RFC 6520 §2).
  const r = await probeBest12(ctx, found, [{ type: 'raw', code: Ext.heartbeat, data: Uint8Array.of(1) }], {}, followUp());
  const sent = `a heartbeat request declaring ${HEARTBEAT_PAYLOAD.length + HEARTBEAT_OVERCLAIM} payload bytes but carrying ${HEARTBEAT_PAYLOAD.length}`;
  if (!r.flight.serverHelloDone) return noFollowUp(r, 'heartbeat');
  if (!r.afterFollowUp) {
    return { verdict: 'not-vulnerable', detail: 'the ServerHello did not accept the heartbeat extension (RFC 6520), so no heartbeat was sent', connections: r.attempts };
  }
  const a = readAfter(r.afterFollowUp);
  const response = a.heartbeats.find((h) => h.heartbeatType === 2);
  const bytes = a.firstRecordHex ? { bytesHex: a.firstRecordHex } : {};
  if (response?.carried && response.payloadLength > HEARTBEAT_PAYLOAD.length) {
    return { verdict: 'vulnerable', detail: `${sent} was answered with a heartbeat response of ${response.payloadLength} payload bytes`, ...bytes, connections: r.attempts };
  }
  const end = response ? `a heartbeat response declaring ${response.payloadLength} payload bytes${response.carried ? '' : ' it does not carry'}` : a.alert ? alertText(a.alert) : silentEnd(r, ctx.opts.timeoutMs);
  return { verdict: 'not-vulnerable', detail: `${sent} got ${end}, not the overclaimed bytes`, ...bytes, connections: r.attempts };
}
