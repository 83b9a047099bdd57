// The RFC 8446 §4.1.3 downgrade sentinel, judged against what was negotiated and what the client
// offered. The last 8 bytes of a server random mean something only in a ServerHello below TLS 1.3:
// DOWNGRD\x01 answering TLS 1.2, DOWNGRD\x00 answering TLS 1.1 or below (the decoder sets
// `downgradeSentinel` only for those pairs). It points at an attack only when the client offered a
// higher version than the one negotiated; otherwise it is the expected mark of a newer server.

import { downgradeTail } from '../decode/index.js';
import { label, protocolVersions } from '../registry/index.js';
import { extInfo, type Found } from './messages.js';
import type { Fact } from './types.js';

const TLS12 = 0x0303;
const TLS13 = 0x0304;

export type DowngradeValue = false | 'tls12' | 'tls11';

/** Whether `ch` offered `version` or higher (supported_versions when sent, else legacy_version). */
function offeredAtLeast(ch: Found<'client_hello'> | undefined, version: number): boolean {
  if (!ch) return false;
  const listed = extInfo(ch.body.extensions, 'supported_versions')?.versions;
  // GREASE versions (0x?a?a) sort above TLS 1.3: only real versions count.
  if (listed) return listed.some((v) => v >= version && v <= TLS13);
  return ch.body.legacyVersion >= version;
}

export function judgeDowngradeSentinel(sh: Found<'server_hello'> | undefined, ch: Found<'client_hello'> | undefined, negotiated: number | undefined): Fact<DowngradeValue> {
  if (!sh) return { source: 'unknown', note: 'no ServerHello' };
  // The decoder already pairs the value with the ServerHello's own version; the negotiated version
  // here may also come from Node, so a TLS 1.3 connection never shows a sentinel.
  const sentinel = negotiated !== undefined && negotiated >= TLS13 ? undefined : sh.body.downgradeSentinel;
  if (sentinel === 'tls12') {
    return {
      value: sentinel,
      source: 'decoded',
      note: offeredAtLeast(ch, TLS13) ? 'client offered TLS 1.3: possible downgrade attack' : 'expected: the server speaks TLS 1.3 but the client offered less',
    };
  }
  if (sentinel === 'tls11') {
    return {
      value: sentinel,
      source: 'decoded',
      note: offeredAtLeast(ch, TLS12) ? 'client offered TLS 1.2 or higher: possible downgrade attack' : 'expected: the server speaks TLS 1.2 or higher but the client offered less',
    };
  }
  const tail = downgradeTail(sh.body.random);
  if (tail === undefined || negotiated === undefined) return { value: false, source: 'decoded' };
  // The bytes read DOWNGRD but do not belong to the negotiated version: say why they are not a
  // sentinel, and what a TLS 1.3 client makes of them (it must abort on either value below 1.3).
  const version = label(protocolVersions, negotiated);
  const bytes = `DOWNGRD 0${tail}`;
  if (negotiated >= TLS13) return { value: false, source: 'decoded', note: `the random ends in ${bytes}, which means nothing when ${version} is negotiated` };
  const meant = tail === 1 ? 'TLS 1.2' : 'TLS 1.1 or below';
  const abort = offeredAtLeast(ch, TLS13) ? '; a TLS 1.3 client must abort on it (RFC 8446 §4.1.3)' : '';
  return { value: false, source: 'decoded', note: `the random ends in ${bytes}, the value for ${meant}, but ${version} was negotiated${abort}` };
}
