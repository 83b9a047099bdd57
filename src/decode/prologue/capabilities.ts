// What the server said about itself before TLS: its capability keywords, whether it offered
// STARTTLS, whether it insists on it, and which cleartext logins it offered. Per protocol, from
// the turns' lines; a protocol that cannot tell leaves `starttlsRequired` undefined.

import type { DecodedPrologue, PrologueProtocol, PrologueTurn } from './model.js';
import { mysqlHandshake } from './binary.js';
import { CLIENT_SSL } from '../../capture/starttls/mysql.js';

type Facts = Pick<DecodedPrologue, 'capabilities' | 'starttlsOffered' | 'starttlsRequired' | 'requiredEvidence' | 'plaintextAuth'>;

/** Cleartext-password SASL mechanisms (RFC 4616 PLAIN, the LOGIN draft). */
const CLEARTEXT = /^(PLAIN|LOGIN)$/i;

function serverLines(turns: readonly PrologueTurn[], roles: ReadonlyArray<PrologueTurn['role']>): string[] {
  return turns.filter((t) => t.direction === 'server' && roles.includes(t.role)).flatMap((t) => t.lines);
}

function smtpFacts(turns: readonly PrologueTurn[]): Facts {
  // The 250 answer's lines after the first (the first is the server's name).
  const caps = serverLines(turns, ['capabilities'])
    .slice(1)
    .map((l) => l.replace(/^250[ -]/, '').trim());
  const auth = caps.find((c) => /^AUTH[ =]/i.test(c));
  const mechanisms = auth ? auth.slice(5).trim().split(/\s+/) : [];
  const plain = mechanisms.filter((m) => CLEARTEXT.test(m)).map((m) => `AUTH ${m.toUpperCase()}`);
  return {
    capabilities: caps,
    starttlsOffered: caps.some((c) => /^STARTTLS$/i.test(c)),
    ...(plain.length > 0 ? { starttlsRequired: false, requiredEvidence: `the server offers ${plain.join(', ')} before TLS` } : {}),
    plaintextAuth: plain,
  };
}

function imapFacts(turns: readonly PrologueTurn[]): Facts {
  const caps = serverLines(turns, ['greeting', 'capabilities']).flatMap((l) => {
    const m = /^\* CAPABILITY (.*)$/i.exec(l) ?? /\[CAPABILITY ([^\]]*)\]/i.exec(l);
    return m ? m[1].trim().split(/\s+/) : [];
  });
  const unique = [...new Set(caps)];
  const disabled = unique.some((c) => /^LOGINDISABLED$/i.test(c));
  const plain = disabled ? [] : ['LOGIN command', ...unique.filter((c) => /^AUTH=(PLAIN|LOGIN)$/i.test(c))];
  return {
    capabilities: unique,
    starttlsOffered: unique.some((c) => /^STARTTLS$/i.test(c)),
    starttlsRequired: disabled,
    requiredEvidence: disabled ? 'LOGINDISABLED: the server refuses logins before TLS' : 'no LOGINDISABLED: the server accepts LOGIN before TLS',
    plaintextAuth: unique.length > 0 ? plain : [],
  };
}

/** POP3 CAPA, NNTP CAPABILITIES: one capability per line, arguments after a space. */
function listFacts(turns: readonly PrologueTurn[], starttls: string, skipFirst: boolean, cleartext: (c: string) => string[]): Facts {
  const lines = serverLines(turns, ['capabilities']);
  const caps = (skipFirst ? lines.slice(1) : lines).filter((l) => l !== '.').map((l) => l.trim());
  const plain = caps.flatMap(cleartext);
  return {
    capabilities: caps,
    starttlsOffered: caps.some((c) => c.toUpperCase() === starttls),
    ...(plain.length > 0 ? { starttlsRequired: false, requiredEvidence: `the server offers ${plain.join(', ')} before TLS` } : {}),
    plaintextAuth: plain,
  };
}

function saslCleartext(c: string, prefix: RegExp): string[] {
  const m = prefix.exec(c);
  return m ? m[1].split(/\s+/).filter((x) => CLEARTEXT.test(x)).map((x) => `SASL ${x.toUpperCase()}`) : [];
}

function sieveFacts(turns: readonly PrologueTurn[]): Facts {
  const caps = serverLines(turns, ['greeting', 'capabilities']).filter((l) => l.startsWith('"'));
  const names = caps.map((l) => /^"([^"]*)"/.exec(l)?.[1] ?? l);
  const sasl = caps.find((l) => /^"SASL"/i.test(l));
  const plain = sasl ? saslCleartext(sasl, /^"SASL"\s+"([^"]*)"/i) : [];
  return {
    capabilities: names,
    starttlsOffered: names.some((n) => /^STARTTLS$/i.test(n)),
    ...(sasl ? { starttlsRequired: false, requiredEvidence: `the server offers SASL ${/"SASL"\s+"([^"]*)"/i.exec(sasl)?.[1] ?? ''} before TLS` } : {}),
    plaintextAuth: plain,
  };
}

function xmppFacts(turns: readonly PrologueTurn[]): Facts {
  const text = serverLines(turns, ['capabilities']).join('\n');
  const features = /<stream:features>([\s\S]*?)<\/stream:features>/.exec(text)?.[1] ?? '';
  const names = [...features.matchAll(/^<([a-zA-Z0-9:-]+)[\s>/]/gm)].map((m) => m[1]).filter((n) => !['required', 'mechanism', 'optional'].includes(n));
  const starttls = /<starttls[^>]*>([\s\S]*?)<\/starttls>|<starttls[^>]*\/>/.exec(features);
  const required = starttls ? /<required\s*\/?>/.test(starttls[0]) : undefined;
  const mechanisms = [...features.matchAll(/<mechanism>([^<]*)<\/mechanism>/g)].map((m) => m[1]);
  const plain = mechanisms.filter((m) => CLEARTEXT.test(m)).map((m) => `SASL ${m.toUpperCase()}`);
  return {
    capabilities: [...new Set(names)],
    starttlsOffered: starttls !== null,
    ...(required !== undefined ? { starttlsRequired: required, requiredEvidence: required ? '<starttls> carries <required/>' : '<starttls> without <required/>: the server lets the stream go on without TLS' } : {}),
    plaintextAuth: plain,
  };
}

function ftpFacts(turns: readonly PrologueTurn[]): Facts {
  const lines = serverLines(turns, ['capabilities']);
  const caps = lines.slice(1, -1).map((l) => l.trim());
  return { capabilities: caps, starttlsOffered: caps.some((c) => /^AUTH\b.*\bTLS\b/i.test(c)), plaintextAuth: [] };
}

function mysqlFacts(turns: readonly PrologueTurn[]): Facts {
  const greeting = turns.find((t) => t.direction === 'server');
  const h = greeting ? mysqlHandshake(greeting.bytes) : undefined;
  return { capabilities: h && (h.capabilities & CLIENT_SSL) !== 0 ? ['CLIENT_SSL'] : [], ...(h ? { starttlsOffered: (h.capabilities & CLIENT_SSL) !== 0 } : {}), plaintextAuth: [] };
}

export function prologueFacts(protocol: PrologueProtocol, turns: readonly PrologueTurn[]): Facts {
  switch (protocol) {
    case 'smtp':
    case 'lmtp':
      return smtpFacts(turns);
    case 'imap':
      return imapFacts(turns);
    case 'pop3':
      return listFacts(turns, 'STLS', true, (c) => (/^USER$/i.test(c) ? ['USER'] : saslCleartext(c, /^SASL\s+(.*)$/i)));
    case 'nntp':
      return listFacts(turns, 'STARTTLS', true, (c) => (/^AUTHINFO\b.*\bUSER\b/i.test(c) ? ['AUTHINFO USER'] : saslCleartext(c, /^SASL\s+(.*)$/i)));
    case 'sieve':
      return sieveFacts(turns);
    case 'xmpp':
    case 'xmpp-server':
      return xmppFacts(turns);
    case 'ftp':
      return ftpFacts(turns);
    case 'mysql':
      return mysqlFacts(turns);
    default:
      return { capabilities: [], plaintextAuth: [] };
  }
}
