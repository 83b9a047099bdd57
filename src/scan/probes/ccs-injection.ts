// CCS injection (CVE-2014-0224), as sslyze tests it: after ServerHelloDone, before any key
// exchange, the probe sends a ChangeCipherSpec and then a 2-byte application_data record. A fixed
// server refuses the early CCS (unexpected_message) or closes. A vulnerable OpenSSL accepts it and
// switches its read side to keys it has not derived, so it tries to decrypt the next record and
// fails with bad_record_mac (testssl.sh also counts decryption_failed). Silence until the deadline
// counts as not vulnerable, as both tools count it; the detail says so.

import { Alert, ContentType } from '../../registry/index.js';
import { SCAN_FOLLOW_UP_BYTES } from '../../limits.js';
import type { ScanContext } from '../context.js';
import type { FollowUp } from '../probe.js';
import type { ProbeOutcome } from '../types.js';
import { probeBest12, type VersionsFound } from '../versions.js';
import { alertText, noFollowUp, readAfter, record, silentEnd } from './follow-up.js';

/** The early ChangeCipherSpec and the record a vulnerable server then tries to decrypt. */
export function earlyCcs(version: number): Uint8Array {
  return Buffer.concat([record(ContentType.change_cipher_spec, version, [1]), record(ContentType.application_data, version, [0, 0])]);
}

/** Alerts that show the server decrypted with the injected state. */
const VULNERABLE_ALERTS: readonly number[] = [Alert.bad_record_mac, Alert.decryption_failed];

function followUp(): FollowUp {
  return {
    send: (f) => (f.serverHelloDone && f.serverHello ? earlyCcs(f.serverHello.version) : undefined),
    enough: (after) => readAfter(after).alert !== undefined,
    maxBytes: SCAN_FOLLOW_UP_BYTES,
  };
}

export async function probeCcsInjection(ctx: ScanContext, found: VersionsFound): Promise<ProbeOutcome> {
  const r = await probeBest12(ctx, found, [], {}, followUp());
  if (!r.afterFollowUp) return noFollowUp(r, 'ChangeCipherSpec');
  const a = readAfter(r.afterFollowUp);
  const sent = 'a ChangeCipherSpec right after ServerHelloDone, then a 2-byte application_data record,';
  const bytes = a.firstRecordHex ? { bytesHex: a.firstRecordHex } : {};
  if (a.alert && VULNERABLE_ALERTS.includes(a.alert.description)) {
    return { verdict: 'vulnerable', detail: `${sent} got ${alertText(a.alert)}: the server took the early CCS and tried to decrypt the next record`, ...bytes, connections: r.attempts };
  }
  const end = a.alert ? `${alertText(a.alert)}: the early CCS was refused` : `${silentEnd(r, ctx.opts.timeoutMs)} (counted as not vulnerable, as sslyze and testssl.sh count it)`;
  return { verdict: 'not-vulnerable', detail: `${sent} got ${end}`, ...bytes, connections: r.attempts };
}
