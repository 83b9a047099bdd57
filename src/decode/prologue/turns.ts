// The prologue's entries (socket reads and writes, or segments) as turns of a dialogue: runs of
// one direction joined, a PROXY header split off the client's first turn, and each turn given its
// role (greeting, hello, capabilities, STARTTLS, go-ahead…) by the protocol's commands and replies.

import type { CapturePrologue, Direction } from '../../capture/types.js';
import type { PrologueProtocol, PrologueRole, PrologueTurn } from './model.js';
import { binaryLines, isBinaryProtocol, ldapResultCode } from './binary.js';

/** A turn before its role is known. */
export type RawTurn = Omit<PrologueTurn, 'role' | 'lines' | 'binary' | 'verb'>;

/** Consecutive entries of one direction joined into one turn (offsets per direction). */
export function joinTurns(entries: readonly CapturePrologue[]): RawTurn[] {
  const out: RawTurn[] = [];
  const offset: Record<Direction, number> = { client: 0, server: 0 };
  let parts: Uint8Array[] = [];
  let startMs = 0;
  const flush = (direction: Direction): void => {
    if (parts.length === 0) return;
    const bytes = new Uint8Array(Buffer.concat(parts));
    out.push({ direction, timeMs: startMs, offset: offset[direction], bytes });
    offset[direction] += bytes.length;
    parts = [];
  };
  let current: Direction | undefined;
  for (const e of entries) {
    if (e.bytes.length === 0) continue;
    if (current !== undefined && e.direction !== current) flush(current);
    if (parts.length === 0) startMs = e.timeMs;
    current = e.direction;
    parts.push(e.bytes);
  }
  if (current !== undefined) flush(current);
  return out;
}

const CLIENT_ROLES: Partial<Record<PrologueProtocol, Array<[RegExp, PrologueRole]>>> = {
  smtp: [
    [/^(EHLO|HELO)\b/i, 'hello'],
    [/^STARTTLS\b/i, 'starttls'],
  ],
  lmtp: [
    [/^LHLO\b/i, 'hello'],
    [/^STARTTLS\b/i, 'starttls'],
  ],
  imap: [
    [/^\S+ CAPABILITY\b/i, 'hello'],
    [/^\S+ STARTTLS\b/i, 'starttls'],
  ],
  pop3: [
    [/^CAPA\b/i, 'hello'],
    [/^STLS\b/i, 'starttls'],
  ],
  ftp: [
    [/^FEAT\b/i, 'hello'],
    [/^AUTH (TLS|SSL)\b/i, 'starttls'],
  ],
  nntp: [
    [/^CAPABILITIES\b/i, 'hello'],
    [/^STARTTLS\b/i, 'starttls'],
  ],
  sieve: [
    [/^CAPABILITY\b/i, 'hello'],
    [/^STARTTLS\b/i, 'starttls'],
  ],
  xmpp: [
    [/<stream:stream/, 'hello'],
    [/<starttls/, 'starttls'],
  ],
  'xmpp-server': [
    [/<stream:stream/, 'hello'],
    [/<starttls/, 'starttls'],
  ],
  'http-connect': [[/^CONNECT /i, 'connect-request']],
};

/** Protocols whose server speaks first: its first turn is a greeting. */
const SERVER_FIRST = new Set<PrologueProtocol>(['smtp', 'lmtp', 'imap', 'pop3', 'ftp', 'nntp', 'sieve', 'mysql']);

/** Whether a server's answer to STARTTLS (or its protocol's equivalent) is the go-ahead. */
function isGoAhead(protocol: PrologueProtocol, text: string, bytes: Uint8Array): boolean {
  switch (protocol) {
    case 'smtp':
    case 'lmtp':
      return /^220\b/.test(text);
    case 'imap':
      return /^\S+ OK\b/im.test(text.split('\n').filter((l) => !l.startsWith('*')).join('\n'));
    case 'pop3':
      return /^\+OK\b/i.test(text);
    case 'ftp':
      return /^234\b/.test(text);
    case 'nntp':
      return /^382\b/.test(text);
    case 'sieve':
      return /^OK\b/i.test(text);
    case 'xmpp':
    case 'xmpp-server':
      return /<proceed[\s/>]/.test(text);
    case 'postgres':
      return bytes[0] === 0x53;
    case 'ldap':
      return ldapResultCode(bytes) === 0;
    default:
      return false;
  }
}

function textLines(protocol: PrologueProtocol, text: string): string[] {
  // XMPP often comes as one line of elements: one element per line reads better.
  const t = protocol === 'xmpp' || protocol === 'xmpp-server' ? text.replace(/></g, '>\n<') : text;
  const lines = t.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Gives each turn its role, lines and verb. */
export function classifyTurns(protocol: PrologueProtocol, raw: readonly RawTurn[]): PrologueTurn[] {
  let lastClient: PrologueRole | undefined;
  let serverTurns = 0;
  return raw.map((t) => {
    const text = Buffer.from(t.bytes).toString('latin1');
    const binary = isBinaryProtocol(protocol);
    const lines = binary ? binaryLines(protocol, t.direction, t.bytes) : textLines(protocol, text);
    let role: PrologueRole = 'other';
    if (t.direction === 'client') {
      if (binary) role = protocol === 'postgres' || protocol === 'mysql' || protocol === 'ldap' ? 'starttls' : 'other';
      else role = CLIENT_ROLES[protocol]?.find(([re]) => re.test(text))?.[1] ?? 'other';
      lastClient = role;
    } else {
      serverTurns++;
      if (lastClient === 'starttls') role = isGoAhead(protocol, text, t.bytes) ? 'go-ahead' : 'refusal';
      else if (lastClient === 'connect-request') role = 'connect-response';
      else if (lastClient === 'hello') role = 'capabilities';
      else if (serverTurns === 1 && SERVER_FIRST.has(protocol)) role = 'greeting';
      lastClient = undefined;
    }
    const verb = binary ? undefined : verbOf(protocol, t.direction, lines[0] ?? '');
    return { ...t, role, lines, binary, ...(verb ? { verb } : {}) };
  });
}

function verbOf(protocol: PrologueProtocol, direction: Direction, line: string): string | undefined {
  if (protocol === 'xmpp' || protocol === 'xmpp-server') return undefined;
  const words = line.split(' ');
  if (direction === 'client') return (protocol === 'imap' ? words[1] : words[0])?.toUpperCase();
  const m = /^([1-5][0-9][0-9]|[+-]OK|-ERR|\* OK|\* BYE|OK|NO|BYE|HTTP\/1\.[01] [0-9]{3})\b/i.exec(line);
  return m?.[1];
}
