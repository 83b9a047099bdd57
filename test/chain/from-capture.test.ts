// Certificates from a capture: the decoded Certificate message (order as sent) when readable,
// Node's chain otherwise; the OCSP staple from CertificateStatus or the TLS 1.3 entry extension.

import net from 'node:net';
import tls from 'node:tls';
import { chainFromCapture, chainFromTrace } from '../../src/analyse/chain/from-capture.js';
import { analyseCapture } from '../../src/analyse/pipeline.js';
import type { Capture } from '../../src/capture/types.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import { captureHandshake } from '../../src/capture/capture.js';
import type { DecodedTrace, HandshakeMessage } from '../../src/decode/model.js';
import { testPki } from './helpers/pki.js';

const pki = testPki();
const store = buildTrustStore([{ origin: 'ca-file', pem: pki.pem('root.pem') }]);

async function captureFrom(version: tls.SecureVersion) {
  const server = tls.createServer({ ...pki.serverOptions('outoforder'), minVersion: version, maxVersion: version }, (s) => s.end());
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  try {
    return await captureHandshake({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, servername: 'localhost', timeoutMs: 5000, requestOcsp: true, drainMs: 0 });
  } finally {
    await new Promise<void>((res) => server.close(() => res()));
  }
}

// The chain report comes out of the one pipeline (decode → decrypt → analyse), not a second run.
const chainReportFromCapture = (capture: Capture, opts: { trustStore: typeof store }) => analyseCapture(capture, opts).chain;

test('TLS 1.2: decoded, in the order sent, so the out-of-order chain is noticed', async () => {
  const report = chainReportFromCapture(await captureFrom('TLSv1.2'), { trustStore: store });
  expect(report?.source).toBe('decoded');
  expect(report?.host).toBe('localhost');
  expect(report?.valid).toBe(true);
  expect(report?.facts.find((f) => f.check === 'sent.order')?.ok).toBe(false);
  expect(report?.facts.find((f) => f.check === 'ocsp.stapled')).toMatchObject({ ok: false, severity: 'info' });
});

test('TLS 1.3: the Certificate message is decrypted with the key log, order as sent', async () => {
  const capture = await captureFrom('TLSv1.3');
  const report = chainReportFromCapture(capture, { trustStore: store });
  expect(report?.source).toBe('decoded');
  expect(report?.decrypted).toBe(true);
  expect(report?.facts.find((f) => f.check === 'sent.order')?.ok).toBe(false);
  // Without keys: Node's chain, and the report says so.
  const nokeys = chainReportFromCapture({ ...capture, keylog: [] }, { trustStore: store });
  expect(nokeys?.source).toBe('node');
  expect(nokeys?.decrypted).toBeUndefined();
  expect(nokeys?.valid).toBe(true);
  expect(nokeys?.facts.find((f) => f.check === 'sent.order')).toMatchObject({ ok: true, severity: 'info' });
});

test('chainFromTrace: TLS 1.3 entry status_request extension carries the staple', () => {
  const leaf = pki.chain('good-ecdsa')[0].toString('hex');
  const staple = '30030a0103';
  const message = {
    kind: 'handshake', direction: 'server', msgType: 11, declaredLength: 0, raw: '', space: {} as never, offset: 0, length: 0, records: [], timeMs: 0, fields: [],
    body: { type: 'certificate', tls13: true, entries: [{ der: leaf, offset: 0, length: 0, extensions: [{ type: 5, offset: 0, length: 0, data: `01000005${staple}`, info: { kind: 'status_request', statusType: 1, ocspResponse: staple } }] }] },
  } as HandshakeMessage;
  const trace = { records: [], messages: [message], spaces: [], issues: [] } as DecodedTrace;
  expect(chainFromTrace(trace)).toEqual({ certificates: [leaf], ocspResponse: staple });
  expect(chainFromTrace({ ...trace, messages: [] })).toBeUndefined();
});

test('chainFromCapture reads the trace it is given and swallows no exception', () => {
  const node = { peerCertificates: ['3003020101'] } as Capture['node'];
  const capture = { target: { host: 'h', port: 443 }, options: {}, chunks: [], keylog: [], node } as unknown as Capture;
  const empty = { records: [], messages: [], spaces: [], issues: [] } as DecodedTrace;
  // No Certificate message in the pipeline's trace: Node's chain, said as such.
  expect(chainFromCapture(capture, empty)).toEqual({ certificates: ['3003020101'], source: 'node' });
  // A bug while reading the trace is not turned into "use Node's chain" (it used to be caught).
  const broken = {
    ...empty,
    get messages(): never {
      throw new Error('bug in the trace');
    },
  } as DecodedTrace;
  expect(() => chainFromCapture(capture, broken)).toThrow('bug in the trace');
});
