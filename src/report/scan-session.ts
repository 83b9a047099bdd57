// The scan's session section, in text: one line per probe (renegotiation, the three resumption
// mechanisms, 0-RTT) with its verdict, then the evidence under it, dimmed. The evidence quotes the
// server's alerts and errors, so every line is escaped here.

import type { ResumptionProbe, SessionScan } from '../scan/types.js';
import { escapeControl } from './escape.js';
import type { Palette } from './palette.js';

function resumption(x: ResumptionProbe, p: Palette): string {
  if (x.resumed === null) return p.dim('not tested');
  const lifetime = x.ticketLifetime !== undefined ? `, ticket lifetime ${x.ticketLifetime} s` : '';
  if (x.resumed) return `${p.good('yes')}${lifetime}`;
  return x.issued ? `no (issued, but not resumed${lifetime})` : 'no';
}

function verdicts(s: SessionScan, p: Palette): Array<[string, string, string[]]> {
  const r = s.renegotiation.clientInitiated;
  const size = s.earlyData.maxEarlyDataSize;
  const accepted = s.earlyData.accepted;
  const acceptance = accepted === null ? 'acceptance not tested' : accepted ? p.warn('accepted') : p.good('rejected');
  const early = size === null ? p.dim('not tested') : size > 0 ? `${p.warn('offered')}, max_early_data_size ${size}, ${acceptance}` : 'not offered';
  return [
    ['Client-initiated renegotiation (TLS 1.2)', r === null ? p.dim('not tested') : r === 'accepted' ? p.bad('accepted') : p.good('refused'), s.renegotiation.evidence],
    ['Resumption by session ID (TLS 1.2)', resumption(s.sessionId, p), s.sessionId.evidence],
    ['Resumption by session ticket (TLS 1.2)', resumption(s.sessionTicket, p), s.sessionTicket.evidence],
    ['Resumption by PSK (TLS 1.3)', resumption(s.psk, p), s.psk.evidence],
    ['0-RTT early data (TLS 1.3)', early, s.earlyData.evidence],
  ];
}

export function sessionLines(s: SessionScan | undefined, p: Palette): string[] {
  if (!s) return [];
  const out = [p.heading(`Session (${s.connections} connections)`)];
  for (const [name, verdict, evidence] of verdicts(s, p)) {
    out.push(`  ${name}: ${verdict}`);
    for (const e of evidence) out.push(p.dim(`    ${escapeControl(e)}`));
  }
  return out;
}
