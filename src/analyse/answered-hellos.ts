// What each ServerHello answered: the ClientHello it replies to, the version, suite and group it
// chose, and what it chose that the client never offered. The one place that pairs the hellos
// and applies "selected version = supported_versions ?? legacy_version" (decode's
// selectedVersion) for the analysis, the negotiated table and the CLI's failure sentence.

import { selectedVersion } from '../decode/context.js';
import type { DecodedTrace } from '../decode/model.js';
import { Ext, Suite, cipherSuites, extensionTypes, label, protocolVersions } from '../registry/index.js';
import { extInfo, findBodies, type Found } from './messages.js';

/** Something the server chose that the ClientHello it answers did not offer. */
export type Unoffered =
  | { what: 'version'; code: number }
  | { what: 'cipher_suite'; code: number }
  /** Extension types the client did not send (renegotiation_info counts as offered by the SCSV). */
  | { what: 'extensions'; types: number[] };

export interface AnsweredHello {
  serverHello: Found<'server_hello'>;
  /** The ClientHello it answers: the last one the client sent before it (the second after HRR). */
  clientHello?: Found<'client_hello'>;
  helloRetryRequest: boolean;
  version: number;
  /** The version came from supported_versions (else legacy_version). */
  versionFromSupportedVersions: boolean;
  cipherSuite: number;
  /** TLS 1.3 key_share group (for a HelloRetryRequest: the group it asks for). */
  group?: number;
  /** In order: version, cipher suite, extensions. Empty when everything chosen was offered. */
  unoffered: Unoffered[];
}

/** Every ServerHello (HelloRetryRequests included) in trace order, with what it answered. */
export function answeredHellos(decoded: DecodedTrace): AnsweredHello[] {
  const clientHellos = findBodies(decoded, 'client_hello', 'client');
  return findBodies(decoded, 'server_hello', 'server').map((sh) => {
    const ch = clientHellos.filter((c) => c.msg.timeMs <= sh.msg.timeMs).at(-1) ?? clientHellos.at(-1);
    const { version, fromSupportedVersions } = selectedVersion(sh.body);
    const answered: AnsweredHello = {
      serverHello: sh,
      helloRetryRequest: sh.body.helloRetryRequest,
      version,
      versionFromSupportedVersions: fromSupportedVersions,
      cipherSuite: sh.body.cipherSuite,
      unoffered: ch ? unofferedBy(sh, ch, version) : [],
    };
    if (ch) answered.clientHello = ch;
    const group = extInfo(sh.body.extensions, 'key_share_selected')?.group;
    if (group !== undefined) answered.group = group;
    return answered;
  });
}

/** The ServerHello that set the connection's parameters: the last that is not a HelloRetryRequest. */
export function finalAnswer(decoded: DecodedTrace): AnsweredHello | undefined {
  return answeredHellos(decoded)
    .filter((h) => !h.helloRetryRequest)
    .at(-1);
}

/** RFC 8446 §4.1.3, §4.2; RFC 5246 §7.4.1.4: a server picks only from what was offered. */
function unofferedBy(sh: Found<'server_hello'>, ch: Found<'client_hello'>, version: number): Unoffered[] {
  const out: Unoffered[] = [];
  const listed = extInfo(ch.body.extensions, 'supported_versions')?.versions;
  if (listed ? !listed.includes(version) : version > ch.body.legacyVersion) out.push({ what: 'version', code: version });
  if (!ch.body.cipherSuites.includes(sh.body.cipherSuite)) out.push({ what: 'cipher_suite', code: sh.body.cipherSuite });
  const offered = new Set(ch.body.extensions.map((e) => e.type));
  // renegotiation_info answers the SCSV as well as the extension (RFC 5746 §3.6).
  if (ch.body.cipherSuites.includes(Suite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)) offered.add(Ext.renegotiation_info);
  const types = sh.body.extensions.filter((e) => !offered.has(e.type)).map((e) => e.type);
  if (types.length > 0) out.push({ what: 'extensions', types });
  return out;
}

/**
 * One sentence for the first thing the final ServerHello chose that its ClientHello did not
 * offer, or undefined. The CLI puts it in place of OpenSSL's "unsupported protocol" / "unknown
 * cipher returned" / "unsolicited extension".
 */
export function unofferedChoice(decoded: DecodedTrace): string | undefined {
  const first = finalAnswer(decoded)?.unoffered[0];
  if (!first) return undefined;
  switch (first.what) {
    case 'version':
      return `the server chose ${label(protocolVersions, first.code)}, which the client did not offer`;
    case 'cipher_suite':
      return `the server chose cipher suite ${label(cipherSuites, first.code)}, which the client did not offer`;
    case 'extensions': {
      const names = first.types.map((t) => label(extensionTypes, t));
      return `the server sent extension${names.length === 1 ? '' : 's'} the client did not offer: ${names.join(', ')}`;
    }
  }
}
