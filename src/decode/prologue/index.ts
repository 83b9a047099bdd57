// Decodes the plaintext before TLS (Capture.prologue): a PROXY header if there is one, the
// protocol (from the bytes first, from --starttls when the bytes do not say), the turns with their
// roles, and the security facts. Pure and total: any bytes decode to something, unknown ones to
// protocol `unknown` with their lines shown as they are.

import type { CapturePrologue } from '../../capture/types.js';
import { detectProtocol } from './detect.js';
import type { DecodedPrologue, PrologueProtocol, PrologueTurn } from './model.js';
import { findProxyHeader } from './proxy.js';
import { prologueFacts } from './capabilities.js';
import { classifyTurns, joinTurns, type RawTurn } from './turns.js';

/**
 * An HTTP CONNECT exchange at the front (a proxy tunnel): its request and the proxy's answer up
 * to the blank line are their own turns, taken out of `raw`; what follows is the tunnelled protocol.
 */
function splitConnect(raw: RawTurn[]): { turns: PrologueTurn[]; request: string; status?: string } {
  const first = raw[0];
  if (!first || first.direction !== 'client') return { turns: [], request: '' };
  const text = Buffer.from(first.bytes).toString('latin1');
  const m = /^CONNECT (\S+) HTTP\/1\.[01]\r?\n[\s\S]*?\r?\n\r?\n/i.exec(text);
  if (!m) return { turns: [], request: '' };
  const lines = (s: string): string[] => s.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
  const turns: PrologueTurn[] = [{ ...first, bytes: first.bytes.subarray(0, m[0].length), role: 'connect-request', lines: lines(m[0]), verb: 'CONNECT', binary: false }];
  if (m[0].length < first.bytes.length) raw[0] = { ...first, offset: first.offset + m[0].length, bytes: first.bytes.subarray(m[0].length) };
  else raw.shift();
  let status: string | undefined;
  // Interim 1xx heads (not 101) come before the final one (RFC 9110 §15.2): a turn each.
  while (raw[0]?.direction === 'server' && (status === undefined || isInterim(status))) {
    const answer = raw[0];
    const a = Buffer.from(answer.bytes).toString('latin1');
    const end = /\r?\n\r?\n/.exec(a);
    const head = end ? a.slice(0, end.index + end[0].length) : a;
    status = head.split(/\r?\n/)[0];
    turns.push({ ...answer, bytes: answer.bytes.subarray(0, head.length), role: 'connect-response', lines: lines(head), verb: /^HTTP\/1\.[01] ([0-9]{3})/.exec(status)?.[1] ?? status.slice(0, 12), binary: false });
    if (head.length < answer.bytes.length) raw[0] = { ...answer, offset: answer.offset + head.length, bytes: answer.bytes.subarray(head.length) };
    else raw.shift();
  }
  return { turns, request: m[1], ...(status !== undefined ? { status } : {}) };
}

/** A 1xx status line other than 101: an interim answer, the final one still to come. */
function isInterim(statusLine: string): boolean {
  const code = /^HTTP\/1\.[01] (1[0-9]{2})/.exec(statusLine)?.[1];
  return code !== undefined && code !== '101';
}

export type { DecodedPrologue, PrologueProtocol, PrologueRole, PrologueTurn, ProxyHeader } from './model.js';

const KNOWN: readonly PrologueProtocol[] = ['smtp', 'lmtp', 'imap', 'pop3', 'ftp', 'ldap', 'xmpp', 'xmpp-server', 'postgres', 'mysql', 'nntp', 'sieve'];

/** `hint` is the --starttls protocol the capture ran with, if any. */
export function decodePrologue(entries: readonly CapturePrologue[], hint?: string): DecodedPrologue | undefined {
  const raw = joinTurns(entries);
  if (raw.length === 0) return undefined;
  const bytes = { client: 0, server: 0 };
  for (const t of raw) bytes[t.direction] += t.bytes.length;
  // A PROXY header is the client's first bytes: its own turn, and not part of what follows.
  const firstClient = raw.findIndex((t) => t.direction === 'client');
  const proxy = firstClient >= 0 ? findProxyHeader(Buffer.from(raw[firstClient].bytes)) : undefined;
  const proxyTurn: PrologueTurn[] = [];
  if (proxy) {
    const t = raw[firstClient];
    proxyTurn.push({ ...t, bytes: t.bytes.subarray(0, proxy.length), role: 'proxy-header', lines: [`PROXY protocol v${proxy.version}: ${proxy.summary}`], binary: proxy.version === 2 });
    if (proxy.length < t.bytes.length) raw[firstClient] = { ...t, offset: t.offset + proxy.length, bytes: t.bytes.subarray(proxy.length) };
    else raw.splice(firstClient, 1);
  }
  const connect = splitConnect(raw);
  const text = (d: 'client' | 'server'): string => Buffer.from(raw.find((t) => t.direction === d)?.bytes ?? []).toString('latin1');
  const detected = detectProtocol(text('client'), text('server'));
  const hinted = hint !== undefined && (KNOWN as readonly string[]).includes(hint) ? (hint as PrologueProtocol) : undefined;
  const inner: PrologueProtocol = detected !== 'unknown' ? detected : (hinted ?? 'unknown');
  // Nothing after an HTTP CONNECT exchange: the tunnel carried TLS at once.
  const protocol: PrologueProtocol = raw.length === 0 && connect.turns.length > 0 ? 'http-connect' : inner;
  const turns = [...proxyTurn, ...connect.turns, ...(raw.length > 0 ? classifyTurns(protocol, raw) : [])];
  const facts = prologueFacts(protocol, turns);
  const last = turns[turns.length - 1];
  const wentAhead = turns.some((t) => t.role === 'go-ahead') || (protocol === 'mysql' && last?.direction === 'client' && last.role === 'starttls');
  return {
    protocol,
    // A PROXY header alone (TLS right after it) is recognised from its bytes too.
    recognisedFrom: detected !== 'unknown' || protocol === 'http-connect' || (proxy && raw.length === 0) ? 'bytes' : hinted ? 'option' : 'none',
    ...(proxy ? { proxy: { version: proxy.version, summary: proxy.summary } } : {}),
    ...(connect.status !== undefined ? { connect: { request: connect.request, status: connect.status } } : {}),
    turns,
    ...facts,
    wentAhead,
    bytes,
  };
}
