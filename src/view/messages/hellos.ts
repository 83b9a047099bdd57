// ClientHello, ServerHello and HelloRetryRequest: what each side offers and what the server picks.

import { codePoint } from '../../analyse/code-point.js';
import { extInfo } from '../../analyse/messages.js';
import type { ClientHello, ServerHello } from '../../decode/model.js';
import { cipherSuites, describe, label, namedGroups, protocolVersions, signatureSchemes } from '../../registry/index.js';
import { bytesOf, capped, cappedList, codesOf, counted, extensionCodes, extensionList, sessionId } from '../words.js';
import type { Describer } from './describer.js';

export const describeClientHello: Describer<ClientHello> = (body, { step, add }) => {
  // RFC 5246 E.2: an old client's hello, readable by SSL 2.0 and TLS servers alike.
  if (body.sslv2) add('format', `SSL 2.0-compatible (${body.sslv2.cipherSpecs.length} cipher specs, no extensions)`);
  const versions = extInfo(body.extensions, 'supported_versions')?.versions;
  add(
    'versions',
    versions ? capped(versions.map((v) => describe(protocolVersions, v).name)) : describe(protocolVersions, body.legacyVersion).name,
    versions ? codesOf(protocolVersions, versions) : [codePoint(protocolVersions, body.legacyVersion)],
  );
  add('random', body.random);
  add('session id', sessionId(body.sessionId));
  add('cipher suites', counted(body.cipherSuites, cipherSuites, 'suite'), codesOf(cipherSuites, body.cipherSuites));
  const sniNames = extInfo(body.extensions, 'server_name')?.names;
  const sni = sniNames ? capped(sniNames) : undefined;
  add('server name', sni);
  const groups = extInfo(body.extensions, 'supported_groups')?.groups;
  if (groups) add('groups', counted(groups, namedGroups, 'group'), codesOf(namedGroups, groups));
  const shares = extInfo(body.extensions, 'key_share')?.shares;
  if (shares) {
    const value = capped(shares.map((s) => `${describe(namedGroups, s.group).name} (${bytesOf(s.keyExchange)} B)`));
    add('key shares', value || 'none (asks the server to choose)', codesOf(namedGroups, shares.map((s) => s.group)));
  }
  add('ALPN', cappedList(extInfo(body.extensions, 'alpn')?.protocols));
  const sigs = extInfo(body.extensions, 'signature_algorithms')?.schemes;
  if (sigs) add('signature algorithms', counted(sigs, signatureSchemes, 'scheme'), codesOf(signatureSchemes, sigs));
  add('extensions', extensionList(body.extensions), extensionCodes(body.extensions));
  const retry = step.index > 1 && step.name === 'ClientHello';
  const offers = ['the protocol versions it speaks', 'a fresh random', 'the cipher suites it accepts'];
  if (sni) offers.push('the name of the server it wants');
  return (
    (retry ? 'The client tries again, now with what the server asked for. ' : 'The client opens the handshake. ') +
    `It offers ${offers.slice(0, -1).join(', ')} and ${offers.at(-1)}.` +
    (shares?.length ? ' It also sends key shares for the groups it expects the server to pick, so TLS 1.3 can finish in one round trip.' : '')
  );
};

export const describeServerHello: Describer<ServerHello> = (body, { tls13, add }) => {
  const selected = extInfo(body.extensions, 'supported_versions_selected')?.version;
  const version = selected ?? body.legacyVersion;
  const keyShare = extInfo(body.extensions, 'key_share_selected');
  const suite = [codePoint(cipherSuites, body.cipherSuite)];
  if (body.helloRetryRequest) {
    add('version', label(protocolVersions, version), [codePoint(protocolVersions, version)]);
    add('cipher suite', label(cipherSuites, body.cipherSuite), suite);
    if (keyShare) add('group wanted', label(namedGroups, keyShare.group), [codePoint(namedGroups, keyShare.group)]);
    add('extensions', extensionList(body.extensions), extensionCodes(body.extensions));
    return "A HelloRetryRequest: none of the client's key shares suits the server, so it names the group it wants and the client must send a second ClientHello. That costs one more round trip.";
  }
  add('version', label(protocolVersions, version) + (selected !== undefined ? ' (supported_versions)' : ''), [codePoint(protocolVersions, version)]);
  add('cipher suite', label(cipherSuites, body.cipherSuite), suite);
  add('random', body.random);
  if (body.downgradeSentinel) add('downgrade sentinel', body.downgradeSentinel === 'tls12' ? 'DOWNGRD 01 (server speaks TLS 1.3)' : 'DOWNGRD 00 (server speaks TLS 1.2+)');
  add('session id', sessionId(body.sessionId));
  if (keyShare) {
    add('key share', `${label(namedGroups, keyShare.group)}${keyShare.keyExchange ? `, ${bytesOf(keyShare.keyExchange)} B` : ''}`, [codePoint(namedGroups, keyShare.group)]);
  }
  add('ALPN', cappedList(extInfo(body.extensions, 'alpn')?.protocols));
  add('extensions', extensionList(body.extensions), extensionCodes(body.extensions));
  const base = "The server picks the protocol version and cipher suite from the client's offers and adds its own random; both randoms feed the key derivation.";
  return tls13 ? `${base} With its key share both sides can now compute the handshake keys: everything after this message is encrypted.` : base;
};
