import { analyseTrace } from '../../src/analyse/index.js';
import { escapeControl, renderJson, renderText } from '../../src/report/index.js';
import { buildTrace, clientHello, ext, serverHello, type Spec } from './helpers/build.js';

// eslint-disable-next-line no-control-regex -- looking for ANSI escapes is the point
const ANSI = /\u001b\[/;

function tls12(): Spec[] {
  return [
    { dir: 'client', t: 0.8, hs: clientHello({ extensions: [ext(0, { kind: 'server_name', names: ['example.test'] })] }) },
    { dir: 'server', t: 1.9, hs: serverHello({ extensions: [ext(0xff01, { kind: 'renegotiation_info', renegotiatedConnection: '' })] }) },
    { dir: 'server', t: 1.95, hs: { type: 'certificate', tls13: false, entries: [] } },
    { dir: 'server', t: 2.0, hs: { type: 'server_key_exchange', form: 'ecdhe', curveType: 3, namedGroup: 29, publicKey: '04'.repeat(32), signatureScheme: 0x0403, signature: '30'.repeat(71) } },
    { dir: 'server', t: 2.05, hs: { type: 'server_hello_done' } },
    { dir: 'client', t: 3.0, hs: { type: 'client_key_exchange', form: 'ecdhe', exchange: '04'.repeat(32) } },
    { dir: 'client', t: 3.1, ccs: true },
    { dir: 'client', t: 3.2, encrypted: 40, guess: { kind: 'finished' }, contentType: 22 },
    { dir: 'server', t: 4.0, ccs: true },
    { dir: 'server', t: 4.1, encrypted: 40, guess: { kind: 'finished' }, contentType: 22 },
  ];
}

function render(specs: Spec[], color = false): string {
  const { capture, decoded } = buildTrace(specs);
  return renderText({ capture, decoded, analysis: analyseTrace(capture, decoded) }, { color, hex: false, width: 140 });
}

/** Step lines: `  3 ← Certificate  …` → ['←', 'Certificate']. */
function stepLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^ {1,3}\d+ ([→←]) (\S+(?: record)?)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
}

describe('text report', () => {
  it('numbers the TLS 1.2 steps and groups them into four flights', () => {
    const text = render(tls12());
    expect(stepLines(text)).toEqual([
      '→ ClientHello',
      '← ServerHello',
      '← Certificate',
      '← ServerKeyExchange',
      '← ServerHelloDone',
      '→ ClientKeyExchange',
      '→ ChangeCipherSpec',
      '→ Encrypted record',
      '← ChangeCipherSpec',
      '← Encrypted record',
    ]);
    expect(text.match(/^Flight \d .*$/gm)).toEqual([
      'Flight 1 · client → server · 0.80 ms',
      'Flight 2 · server → client · 1.90 ms (+1.10 ms)',
      'Flight 3 · client → server · 3.00 ms (+0.95 ms)',
      'Flight 4 · server → client · 4.00 ms (+0.80 ms)',
    ]);
    expect(text).toContain('Handshake · 10 steps in 4 flights');
    // Decoded fields and the plain-words explanation of a step.
    expect(text).toMatch(/curve +x25519 \(0x001d\)\n +public key +32 bytes\n +signature scheme +ecdsa_secp256r1_sha256 \(0x0403\)/);
    expect(text).toContain('ServerHelloDone');
    expect(text).toMatch(/The server's ephemeral ECDHE parameters, signed with the certificate's private key/);
    expect(text).toMatch(/Finished message, encrypted with the keys the ChangeCipherSpec switched on/);
    // Header with target, address, timings and byte counts.
    expect(text).toMatch(/target +example\.test:443 · SNI example\.test/);
    expect(text).toMatch(/timings +DNS 0\.50 ms · TCP connect 0\.30 ms · TLS handshake 4\.20 ms · total 5\.10 ms/);
    expect(text).toMatch(/bytes +client → server \d+ B · server → client \d+ B/);
    // The table.
    expect(text).toMatch(/│ Cipher suite +│ TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 \(0xc02f\) +│/);
    expect(text).toMatch(/│ Forward secrecy +│ yes +│ ECDHE key exchange +│/);
  });

  it('explains the TLS 1.3 compatibility CCS, the encrypted flight and an HRR', () => {
    const text = render([
      { dir: 'client', t: 1, hs: clientHello({ extensions: [ext(51, { kind: 'key_share', shares: [{ group: 29, keyExchange: '01'.repeat(32) }] })] }) },
      { dir: 'server', t: 2, hs: serverHello({ cipherSuite: 0x1301, helloRetryRequest: true, extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 }), ext(51, { kind: 'key_share_selected', group: 23 })] }) },
      { dir: 'client', t: 3, hs: clientHello({ extensions: [ext(51, { kind: 'key_share', shares: [{ group: 23, keyExchange: '04'.repeat(65) }] })] }) },
      { dir: 'server', t: 4, hs: serverHello({ cipherSuite: 0x1301, extensions: [ext(43, { kind: 'supported_versions_selected', version: 0x0304 }), ext(51, { kind: 'key_share_selected', group: 23 })] }) },
      { dir: 'server', t: 4.1, ccs: true, compatibility: true },
      { dir: 'server', t: 4.2, encrypted: 1200 },
      { dir: 'client', t: 5, ccs: true, compatibility: true },
      { dir: 'client', t: 5.1, encrypted: 53 },
    ]);
    expect(stepLines(text)).toEqual(['→ ClientHello', '← HelloRetryRequest', '→ ClientHello', '← ServerHello', '← ChangeCipherSpec', '← Encrypted record', '→ ChangeCipherSpec', '→ Encrypted record']);
    expect(text).toMatch(/group wanted +secp256r1 \(0x0017\)/);
    expect(text).toMatch(/HelloRetryRequest: none of the client's key shares suits the server/);
    expect(text).toMatch(/everything after this message is encrypted/);
    expect(text).toMatch(/dummy ChangeCipherSpec, sent only so that middleboxes/);
    expect(text).toMatch(/Part of the server's encrypted flight/);
    expect(text).toMatch(/│ HelloRetryRequest +│ yes +│ server asked for a secp256r1 key share/);
  });

  it('names alerts with their level and shows decode issues with offset and reason', () => {
    const { capture, decoded } = buildTrace([
      { dir: 'client', t: 1, hs: clientHello() },
      { dir: 'server', t: 2, alert: [2, 70] },
    ]);
    decoded.messages[0].fields[0].children![2].issue = { kind: 'malformed', offset: 9, length: 2, reason: 'cipher_suites: length 3 outside 2..65534 (multiple of 2)', expected: 'even', actual: '3' };
    const text = renderText({ capture, decoded, analysis: analyseTrace(capture, decoded) }, { color: false, hex: false });
    expect(text).toMatch(/description +protocol_version \(70\)/);
    expect(text).toMatch(/level +fatal \(2\)/);
    expect(text).toContain('The server aborts the handshake with a fatal protocol_version alert');
    expect(text).toContain('✖ malformed at client stream offset 9 (0x9): cipher_suites: length 3 outside 2..65534 (multiple of 2) — expected even, got 3');
    expect(text).toMatch(/outcome +Server sent fatal alert protocol_version \(0x46\)/);
  });

  it('colour off writes no ANSI escapes; colour on does', () => {
    expect(render(tls12(), false)).not.toMatch(ANSI);
    expect(render(tls12(), true)).toMatch(ANSI);
  });

  it('escapes control characters from the peer in text and JSON', () => {
    const evilSni = 'a\u001b[2Jb\u0007.test';
    const evilAlpn = 'h2\r\nX-Injected: 1\u202e';
    const specs: Spec[] = [
      { dir: 'client', t: 1, hs: clientHello({ extensions: [ext(0, { kind: 'server_name', names: [evilSni] }), ext(16, { kind: 'alpn', protocols: [evilAlpn] })] }) },
      { dir: 'server', t: 2, hs: serverHello({ extensions: [ext(16, { kind: 'alpn', protocols: [evilAlpn] })] }) },
    ];
    const { capture, decoded } = buildTrace(specs);
    decoded.notTls = { direction: 'server', protocol: 'http', firstLine: 'HTTP/1.1 400\u001b]0;owned\u0007' };
    decoded.messages[1].fields[0].children![2].display = 'alert text \u001b[31mred';
    const view = { capture, decoded, analysis: analyseTrace(capture, decoded) };
    const text = renderText(view, { color: false, hex: true });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/); // eslint-disable-line no-control-regex
    expect(text).toContain('a\\x1b[2Jb\\x07.test');
    expect(text).toContain('h2\\x0d\\x0aX-Injected: 1\\u{202e}');
    expect(text).toContain('HTTP/1.1 400\\x1b]0;owned\\x07');
    expect(text).toContain('alert text \\x1b[31mred');
    const json = JSON.stringify(renderJson(view));
    expect(json).not.toMatch(/\\u00(0[0-9a-f]|1[0-9a-f])|\u202e/);
    const parsed = renderJson(view);
    expect(parsed.negotiated.sni.value).toBe('a\\x1b[2Jb\\x07.test');
    expect(parsed.negotiated.alpn.value).toBe('h2\\x0d\\x0aX-Injected: 1\\u{202e}');
    expect(parsed.notTls?.firstLine).toBe('HTTP/1.1 400\\x1b]0;owned\\x07');
  });
});

describe('escapeControl', () => {
  it.each([
    ['plain.example', 'plain.example'],
    ['tab\there', 'tab\\x09here'],
    ['nul\u0000', 'nul\\x00'],
    ['del\u007f c1\u009b', 'del\\x7f c1\\x9b'],
    ['bidi\u202eevil', 'bidi\\u{202e}evil'],
    ['zero\u200bwidth', 'zero\\u{200b}width'],
    ['back\\slash', 'back\\\\slash'],
    ['ünïcödé 日本', 'ünïcödé 日本'],
  ])('%j → %j', (input, expected) => {
    expect(escapeControl(input)).toBe(expected);
  });
});

describe('very long traces', () => {
  it('show the first 1000 and last 100 steps, with the gap said once', () => {
    const specs: Spec[] = [{ dir: 'client', t: 1, hs: clientHello() }];
    for (let i = 0; i < 1500; i++) specs.push({ dir: i % 7 < 3 ? 'server' : 'client', t: 2 + i, alert: [1, 0] });
    const text = render(specs);
    expect(text.match(/steps not shown/g)).toEqual(['steps not shown']);
    expect(text).toContain('… 401 steps not shown (--json has them all) …');
    const numbers = text.split('\n').map((l) => /^ +(\d+) [→←]/.exec(l)?.[1]).filter((n) => n !== undefined).map(Number);
    expect(numbers).toHaveLength(1100);
    expect(numbers[999]).toBe(1000);
    expect(numbers[1000]).toBe(1402);
    expect(numbers.at(-1)).toBe(1501);
  });
});

describe('a capture with nothing in it', () => {
  it('renders the header, says no messages were captured and gives the failure as the outcome', () => {
    const { capture, decoded } = buildTrace([], { error: { code: 'refused', message: 'connection refused by 127.0.0.1:1' } });
    const view = { capture, decoded, analysis: analyseTrace(capture, decoded) };
    const text = renderText(view, { color: false, hex: true });
    expect(text).toContain('Handshake · 0 steps in 0 flights');
    expect(text).toContain('(no TLS messages captured)');
    expect(text).toMatch(/outcome +Handshake did not complete: connection refused by 127\.0\.0\.1:1/);
    const json = renderJson(view);
    expect(json.error).toEqual({ code: 'refused', message: 'connection refused by 127.0.0.1:1' });
    expect(json.steps).toEqual([]);
    expect(json.negotiated.version).toEqual({ source: 'unknown', note: 'no ServerHello' });
  });
});
