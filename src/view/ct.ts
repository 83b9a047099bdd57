// Certificate Transparency in words for the chain section: the log list and its date, one line per
// SCT (where it came from, the log, its time, the verdict) and one per browser policy. Reads only
// the CtReport; strings stay raw (the report escapes them at output).

import type { CtReport, SctResult } from '../analyse/ct/index.js';
import { TEXT_MAX_ENTRIES_PER_MESSAGE } from '../limits.js';
import type { Tone } from './types.js';
import { notShown } from './words.js';

export interface CtView {
  /** `CT log list: bundled (v59.1, 2025-07-10T12:53:11Z, 33 logs)`. */
  list: string;
  scts: Array<{ where: string; log: string; time: string; status: { text: string; tone?: Tone }; detail: string }>;
  /** Said after the SCT lines when the list was cut or SCTs were skipped. */
  more?: string;
  policies: Array<{ name: string; met: boolean; reason: string }>;
}

const WHERE: Record<SctResult['source'], string> = { certificate: 'embedded', tls: 'TLS ext', ocsp: 'OCSP' };

const STATUS_TONE: Record<SctResult['status'], Tone | undefined> = {
  valid: 'good',
  'invalid-signature': 'bad',
  'future-timestamp': 'bad',
  malformed: 'bad',
  'unknown-log': 'warn',
  'retired-log': 'warn',
  'untrusted-log': 'warn',
  unverifiable: 'warn',
};

export function describeCt(ct: CtReport): CtView {
  const l = ct.logList;
  const list = `CT log list: ${l.source} (${[l.version ? `v${l.version}` : '', l.timestamp ?? 'undated', `${l.logs} logs`].filter(Boolean).join(', ')})`;
  const shown = ct.scts.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE);
  const scts = shown.map((r) => ({
    where: WHERE[r.source],
    log: r.log ? `${r.log.description} (${r.log.operator})` : `log ${r.logId ?? '?'}`,
    time: r.timestamp ?? '?',
    status: { text: r.status, tone: STATUS_TONE[r.status] },
    detail: r.status === 'valid' ? '' : r.detail,
  }));
  const left = ct.scts.length - shown.length + (ct.skipped ?? 0);
  return {
    list,
    scts,
    ...(left > 0 ? { more: notShown(left) } : {}),
    policies: [
      { name: 'Chrome', met: ct.chrome.met, reason: ct.chrome.reason },
      { name: 'Apple', met: ct.apple.met, reason: ct.apple.reason },
    ],
  };
}
