// The view stage: the decoder's typed guess and how the view words it, and the step view's
// resolved code points and byte spans, read from recorded fixtures.

import path from 'node:path';
import { analyseTrace } from '../../src/analyse/index.js';
import type { Step } from '../../src/analyse/types.js';
import { X509Certificate } from 'node:crypto';
import { parseCertificate } from '../../src/analyse/certificates/parse.js';
import { loadCapture } from '../../src/capture/capture-file.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { EncryptedMessage, ProtectedGuess } from '../../src/decode/model.js';
import { readFileSync } from 'node:fs';
import { analyseCapture } from '../../src/analyse/pipeline.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import { RFC8448, RFC8448_CLIENT_RANDOM, RFC8448_FLOW, rfc8448Capture, unwrapHex } from '../../fixtures/rfc8448/capture.js';
import { decryptTrace } from '../../src/decrypt/index.js';
import { describeChain, describeDecryption, describeNegotiated, encryptedExplanation, guessWords, viewStep } from '../../src/view/index.js';
import { repoRoot } from '../golden/cases.js';

async function fixture(name: string) {
  const capture = await loadCapture(path.join(repoRoot, 'fixtures/captures', `${name}.json`));
  const decoded = decodeCapture(capture);
  return { capture, decoded, analysis: analyseTrace(capture, decoded) };
}

function guesses(decoded: Awaited<ReturnType<typeof fixture>>['decoded']): Array<[string, ProtectedGuess | undefined]> {
  return decoded.messages.filter((m): m is EncryptedMessage => m.kind === 'encrypted').map((m) => [m.direction, m.guess]);
}

describe('typed guess at protected records', () => {
  it('names the TLS 1.3 server flight by kind once its Finished is recognised (no keys given to decode)', async () => {
    const { decoded } = await fixture('openssl-tls13');
    const server = guesses(decoded).filter(([d]) => d === 'server').slice(0, 4).map(([, g]) => g);
    expect(server).toEqual([
      { kind: 'flight-message', message: 'EncryptedExtensions' },
      { kind: 'flight-message', message: 'Certificate' },
      { kind: 'flight-message', message: 'CertificateVerify' },
      { kind: 'finished' },
    ]);
  });

  it('marks the TLS 1.2 encrypted Finished of each side', async () => {
    const { decoded } = await fixture('openssl-tls12-ecdhe-rsa');
    const finished = guesses(decoded).filter(([, g]) => g?.kind === 'finished').map(([d]) => d);
    expect(finished).toEqual(['client', 'server']);
  });

  // The words the text and JSON showed when the guess was free text: they must not move.
  it.each<[ProtectedGuess, string]>([
    [{ kind: 'finished' }, 'Finished'],
    [{ kind: 'early-data' }, 'early data'],
    [{ kind: 'early-or-application-data' }, 'early data or application data'],
    [{ kind: 'application-data' }, 'application data'],
    [{ kind: 'alert' }, 'Alert'],
    [{ kind: 'renegotiation' }, 'handshake message (renegotiation?)'],
    [{ kind: 'ticket-or-application-data' }, 'NewSessionTicket or application data'],
    [{ kind: 'client-auth' }, 'Certificate or CertificateVerify'],
    [{ kind: 'flight-message', message: 'CertificateRequest' }, 'CertificateRequest'],
    [{ kind: 'flight-message' }, 'handshake message'],
  ])('words %j as "%s"', (guess, words) => {
    expect(guessWords(guess)).toBe(words);
  });

  it('explains by kind, not by the words', () => {
    const client = { direction: 'client' } as Step;
    const server = { direction: 'server' } as Step;
    expect(encryptedExplanation(client, true, { kind: 'client-auth' })).toMatch(/^Part of the client's encrypted flight, protected with the handshake keys/);
    expect(encryptedExplanation(server, true, { kind: 'flight-message' })).toMatch(/^Part of the server's encrypted flight, protected with the handshake keys/);
    // Outside TLS 1.3 a flight guess falls back to the generic sentence, naming the guess.
    expect(encryptedExplanation(server, false, { kind: 'flight-message', message: 'Certificate' })).toBe(
      'A protected record (most likely Certificate). Decrypting it needs the session keys.',
    );
    expect(encryptedExplanation(server, false, { kind: 'renegotiation' })).toBe(
      'A protected record (most likely handshake message (renegotiation?)). Decrypting it needs the session keys.',
    );
    expect(encryptedExplanation(server, true, { kind: 'ticket-or-application-data' })).toMatch(/^After the handshake: most likely a NewSessionTicket/);
  });
});

describe('step view', () => {
  it('carries resolved code points, the message span and the guess in words', async () => {
    const { decoded, analysis } = await fixture('openssl-tls13');
    const shStep = analysis.steps.find((s) => s.name === 'ServerHello')!;
    const sh = decoded.messages[shStep.message];
    const view = viewStep(shStep, sh, analysis.tls13);
    const suite = view.details.find((d) => d.label === 'cipher suite');
    expect(suite?.codes).toEqual([{ code: 0x1301, hex: '0x1301', name: 'TLS_AES_128_GCM_SHA256' }]);
    expect(view.details.find((d) => d.label === 'version')?.codes).toEqual([{ code: 0x0304, hex: '0x0304', name: 'TLS 1.3' }]);
    expect(view.span).toEqual({ space: sh.space.id, offset: sh.offset, length: sh.length, records: sh.records });
    expect(view.span.length).toBe(shStep.messageLength);

    const chStep = analysis.steps[0];
    const ch = viewStep(chStep, decoded.messages[chStep.message], analysis.tls13);
    const suites = ch.details.find((d) => d.label === 'cipher suites');
    expect(suites?.codes?.map((c) => c.code)).toContain(0x1301);
    expect(suites?.codes?.every((c) => c.hex === `0x${c.code.toString(16).padStart(4, '0')}`)).toBe(true);

    const encrypted = analysis.steps.find((s) => s.kind === 'encrypted' && s.direction === 'server')!;
    expect(viewStep(encrypted, decoded.messages[encrypted.message], analysis.tls13).guess).toBe('EncryptedExtensions');
  });
});

describe('certificate key words', () => {
  // One describer: the trace's Certificate step names each key as the chain table does.
  it.each(['openssl-tls12-client-cert', 'openssl-tls12-rsa-kx'])('%s: step keys equal the chain parser labels and Node\'s key details', async (name) => {
    const { decoded, analysis } = await fixture(name);
    const step = analysis.steps.find((s) => s.name === 'Certificate' && s.direction === 'server')!;
    const m = decoded.messages[step.message];
    if (m.kind !== 'handshake' || m.body?.type !== 'certificate') throw new Error('no Certificate message');
    const ders = m.body.entries.map((e) => Buffer.from(e.der, 'hex'));
    expect(step.certificates?.map((c) => c.key)).toEqual(ders.map((der) => parseCertificate(der).info.publicKey.label));
    // Independent of our parser: Node's own key details, in the IANA-style wording.
    const fromNode = ders.map((der) => {
      const k = new X509Certificate(der).publicKey;
      const d = k.asymmetricKeyDetails;
      return k.asymmetricKeyType === 'ec' ? `EC ${d?.namedCurve === 'prime256v1' ? 'P-256' : d?.namedCurve}` : `RSA ${d?.modulusLength}`;
    });
    expect(step.certificates?.map((c) => c.key)).toEqual(fromNode);
    expect(step.certificates?.every((c) => !c.key?.includes('prime256v1'))).toBe(true);
  });
});

describe('negotiated section', () => {
  it('gives each row its code point, note words and tone', async () => {
    const { analysis } = await fixture('openssl-tls12-ecdhe-rsa');
    const rows = new Map(describeNegotiated(analysis).map((r) => [r.key, r]));
    expect(rows.get('version')?.code).toEqual({ code: 0x0303, hex: '0x0303', name: 'TLS 1.2' });
    expect(rows.get('group')?.code).toEqual({ code: 29, hex: '0x001d', name: 'x25519' });
    expect(rows.get('forwardSecrecy')).toMatchObject({ value: 'yes', tone: 'good' });
    expect(rows.get('alpn')?.code).toBeUndefined();
    // The rows keep the analysis's words: the JSON table is these rows.
    expect(describeNegotiated(analysis).map(({ key, label, value, source, note }) => ({ key, label, value, source, note }))).toEqual(
      analysis.table.map(({ key, label, value, source, note }) => ({ key, label, value, source, note })),
    );
  });
});

describe('chain section', () => {
  it('rows in words with tones, the anchor line and the verdict lists', async () => {
    const capture = await loadCapture(path.join(repoRoot, 'fixtures/captures/openssl-tls12-ecdhe-rsa.json'));
    const file = path.join(repoRoot, 'fixtures/certs/demo/root.pem');
    const trustStore = buildTrustStore([{ origin: 'ca-file', pem: readFileSync(file, 'utf8'), file }]);
    const { chain } = analyseCapture(capture, { trustStore, at: new Date('2027-01-15T00:00:00Z') });
    const view = describeChain(chain!);
    const ok = { text: 'ok', tone: 'good' };
    expect(view.rows.map((r) => [r.position, r.key, r.verdict])).toEqual([
      ['#0 leaf', 'RSA 2048', ok],
      ['#1 intermediate', 'EC P-256', ok],
      ['store anchor', 'EC P-256', ok],
    ]);
    expect(view.anchor).toBe(`Trust anchor: ${chain!.anchor!.subject} (--ca ${file})`);
    expect(view).toMatchObject({ valid: true, errors: [], omitted: 0 });
  });
});

describe('key-schedule section', () => {
  const keylog = [
    `SERVER_HANDSHAKE_TRAFFIC_SECRET ${RFC8448_CLIENT_RANDOM} ${unwrapHex(RFC8448.secrets.serverHandshakeTraffic)}`,
    `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${RFC8448_CLIENT_RANDOM} ${unwrapHex(RFC8448.secrets.clientHandshakeTraffic)}`,
  ];
  const capture = rfc8448Capture({ keylog, flow: RFC8448_FLOW.slice(0, 4) });
  // Computed with values, so only the view decides whether they are shown.
  const result = decryptTrace(capture, decodeCapture(capture), { showSecrets: true });
  const secret = unwrapHex(RFC8448.secrets.serverHandshakeTraffic);

  it('holds no secret or key value unless asked', () => {
    const view = describeDecryption(result, false);
    expect(JSON.stringify(view)).not.toContain(secret);
    expect(view.schedule?.secrets.flatMap((s) => s.outputs).every((o) => o.value === undefined)).toBe(true);
    expect(view.schedule?.secretsHidden).toBe(true);
    expect(view.schedule?.title).toBe('Key schedule · TLS 1.3 · TLS_AES_128_GCM_SHA256 (0x1301) · HKDF-SHA256 · AES-128-GCM');
    expect(view.schedule?.secrets[0].words).toBe('(32 bytes) ← key log SERVER_HANDSHAKE_TRAFFIC_SECRET · opened 1 record');
    expect(view.records.map((r) => [r.number, r.ok])).toEqual(result.records.map((r) => [r.record + 1, true]));
  });

  it('shows them with showSecrets, and then says nothing is hidden', () => {
    const view = describeDecryption(result, true);
    expect(view.schedule?.secrets.find((s) => s.name === 'server handshake traffic secret')?.secret).toBe(secret);
    expect(view.schedule?.secretsHidden).toBe(false);
  });
});
