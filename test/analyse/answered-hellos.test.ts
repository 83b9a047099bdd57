// answeredHellos(): per ServerHello, the ClientHello it answers, the chosen version (supported_versions
// over legacy_version), suite, group, and what the client never offered: the one computation the
// negotiated table, decode's context and the CLI's failure sentence share.

import { answeredHellos, finalAnswer, unofferedChoice } from '../../src/analyse/answered-hellos.js';
import { selectedVersion } from '../../src/decode/context.js';
import { buildTrace, clientHello, ext, serverHello } from '../report/helpers/build.js';

const TLS13_CH = clientHello({
  cipherSuites: [0x1301, 0x1302],
  extensions: [ext(43, { kind: 'supported_versions', versions: [0x0304, 0x0303] }), ext(10, { kind: 'supported_groups', groups: [29, 23] }), ext(51, { kind: 'key_share', shares: [{ group: 29, keyExchange: '00' }] })],
});

describe('answeredHellos', () => {
  it('pairs a HelloRetryRequest and the final ServerHello with the ClientHello each answers', () => {
    const ch2 = clientHello({ ...TLS13_CH, random: 'cc'.repeat(32) });
    const { decoded } = buildTrace([
      { dir: 'client', t: 1, hs: TLS13_CH },
      { dir: 'server', t: 2, hs: serverHello({ cipherSuite: 0x1301, helloRetryRequest: true, extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 }), ext(51, { kind: 'key_share_selected', group: 23 })] }) },
      { dir: 'client', t: 3, hs: ch2 },
      { dir: 'server', t: 4, hs: serverHello({ cipherSuite: 0x1302, extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 }), ext(51, { kind: 'key_share_selected', group: 23 })] }) },
    ]);
    const answers = answeredHellos(decoded);
    expect(answers.map((a) => [a.helloRetryRequest, a.version, a.versionFromSupportedVersions, a.cipherSuite, a.group, a.clientHello?.msg.timeMs, a.unoffered])).toEqual([
      [true, 0x0304, true, 0x1301, 23, 1, []],
      [false, 0x0304, true, 0x1302, 23, 3, []],
    ]);
    expect(finalAnswer(decoded)?.serverHello.msg.timeMs).toBe(4);
    expect(unofferedChoice(decoded)).toBeUndefined();
  });

  it('lists, in order, the version, suite and extensions the client did not offer', () => {
    const { decoded } = buildTrace([
      { dir: 'client', t: 1, hs: clientHello({ legacyVersion: 0x0302, cipherSuites: [0x002f] }) },
      { dir: 'server', t: 2, hs: serverHello({ legacyVersion: 0x0303, cipherSuite: 0xc02f, extensions: [ext(23, { kind: 'extended_master_secret' })] }) },
    ]);
    const [answer] = answeredHellos(decoded);
    expect(answer.version).toBe(0x0303);
    expect(answer.versionFromSupportedVersions).toBe(false);
    expect(answer.unoffered).toEqual([
      { what: 'version', code: 0x0303 },
      { what: 'cipher_suite', code: 0xc02f },
      { what: 'extensions', types: [23] },
    ]);
    expect(unofferedChoice(decoded)).toBe('the server chose TLS 1.2 (0x0303), which the client did not offer');
  });

  it('counts renegotiation_info as offered by the SCSV (RFC 5746 §3.6)', () => {
    const { decoded } = buildTrace([
      { dir: 'client', t: 1, hs: clientHello({ cipherSuites: [0xc02f, 0x00ff] }) },
      { dir: 'server', t: 2, hs: serverHello({ cipherSuite: 0xc02f, extensions: [ext(0xff01, { kind: 'renegotiation_info', renegotiatedConnection: '' }), ext(16, { kind: 'alpn', protocols: ['h2'] })] }) },
    ]);
    expect(finalAnswer(decoded)?.unoffered).toEqual([{ what: 'extensions', types: [16] }]);
    expect(unofferedChoice(decoded)).toBe('the server sent extension the client did not offer: application_layer_protocol_negotiation (0x0010)');
  });

  it('selectedVersion (decode) is the rule both stages use: supported_versions over legacy_version', () => {
    expect(selectedVersion(serverHello({ legacyVersion: 0x0303 }))).toEqual({ version: 0x0303, fromSupportedVersions: false });
    expect(selectedVersion(serverHello({ legacyVersion: 0x0303, extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 })] }))).toEqual({
      version: 0x0304,
      fromSupportedVersions: true,
    });
  });
});
