// Item 11 of issue 9: peer text was escaped twice — banners showed `\\x1b`, certificate names
// `\\1B` (Node's OpenSSL-escaped subject, escaped again), DNs `O=VeriSign\\, Inc.` (RFC 4514
// escaping, then the report's backslash escape), the ServerHello random label `DOWNGRD\\x00`, a
// JSON table entry `\\x0a`. The model now holds the real characters; the report escapes them
// once, at output (escapeControl for text, escapeStrings for JSON, which holds the same escaped
// form as the text).

import { parseCertificate } from '../../src/analyse/certificates/parse.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import { analyseCapture } from '../../src/analyse/pipeline.js';
import { captureFromJson } from '../../src/capture/capture-file.js';
import { renderJson, renderText, type TraceView } from '../../src/report/index.js';
import { certificate12, extension, handshakeRecords, serverHello, vec } from '../robustness/tls-bytes.js';
import { selfSigned, serverOnlyCapture } from './helpers/big-captures.js';

function replay(server: Buffer): TraceView {
  const capture = captureFromJson(serverOnlyCapture(server));
  return analyseCapture(capture, { trustStore: buildTrustStore([]), at: new Date() });
}

const ESC = '\u001b';
/** `C=US, O=VeriSign, Inc., OU="a+b ""q""", CN=esc␛[2J日本 end` as the model holds it. */
const SUBJECT = `C=US, O=VeriSign, Inc., OU="a+b ""q""", CN=esc${ESC}[2J日本 end`;
/** The same, escaped once (what text and JSON show). */
const SHOWN = 'C=US, O=VeriSign, Inc., OU="a+b ""q""", CN=esc\\x1b[2J日本 end';

describe('certificate names are escaped once', () => {
  let der: Buffer;
  let view: TraceView;
  beforeAll(() => {
    der = selfSigned(`/C=US/O=VeriSign, Inc./OU=a\\+b "q"/CN=esc${ESC}[2J日本 end`);
    const hello = serverHello({ sessionId: Buffer.alloc(0), suite: 0xc02f });
    view = replay(Buffer.concat([handshakeRecords(hello), handshakeRecords(certificate12([der]))]));
  });

  it('the DN holds real characters, quoted only where a value could be misread', () => {
    const info = parseCertificate(der).info;
    expect(info.subject).toBe(SUBJECT);
    expect(info.subjectCN).toEqual([`esc${ESC}[2J日本 end`]);
    const spoof = parseCertificate(selfSigned('/O=Evil, CN=bank.example/CN=real.example')).info;
    expect(spoof.subject).toBe('O="Evil, CN=bank.example", CN=real.example');
    expect(spoof.subjectCN).toEqual(['real.example']);
  });

  it('text: the step and the chain table show the name escaped once', () => {
    const text = renderText(view, { color: false, hex: false, width: 220 });
    expect(text).toContain(`#1          ${SHOWN} (EC P-256)`);
    expect(text).toMatch(/│ #0 leaf +│ esc\\x1b\[2J日本/);
    expect(text).not.toContain('\\\\');
    expect(text).not.toContain('\\1B');
  });

  it('JSON: the same once-escaped string in the step and the chain', () => {
    const json = JSON.parse(JSON.stringify(renderJson(view))) as { steps: Array<{ certificates?: Array<{ subject: string }> }>; chain: { certificates: Array<{ certificate: { subject: string; subjectCN: string[] } }> } };
    expect(json.steps[1].certificates?.[0].subject).toBe(SHOWN);
    expect(json.chain.certificates[0].certificate.subject).toBe(SHOWN);
    expect(json.chain.certificates[0].certificate.subjectCN).toEqual(['esc\\x1b[2J日本 end']);
  });
});

describe('decoder text is escaped once', () => {
  it('a non-TLS banner: `\\x1b` once in text and JSON', () => {
    const view = replay(Buffer.from(`HTTP/1.1 400 Bad${ESC}]0;owned\u0007\r\n\r\n`, 'latin1'));
    const text = renderText(view, { color: false, hex: false });
    expect(text).toContain('"HTTP/1.1 400 Bad\\x1b]0;owned\\x07"');
    expect(text).not.toContain('\\\\');
    expect(renderJson(view).notTls?.firstLine).toBe('HTTP/1.1 400 Bad\\x1b]0;owned\\x07');
  });

  it('the ServerHello random label names the downgrade sentinel without escapes', () => {
    const random = Buffer.concat([Buffer.alloc(24, 0x5a), Buffer.from('DOWNGRD\u0001', 'latin1')]);
    const view = replay(handshakeRecords(serverHello({ sessionId: Buffer.alloc(0), suite: 0xc02f, random })));
    const text = renderText(view, { color: false, hex: true });
    // The label may wrap onto the next hex row: compare with the rows joined.
    expect(text.replace(/\n +/g, ' ')).toContain('(ends in downgrade sentinel "DOWNGRD" + 0x01)');
    expect(text).not.toContain('\\\\');
  });

  it('an ALPN name with a newline: `\\x0a` once in the text and the JSON table', () => {
    const alpn = extension(16, vec(2, vec(1, Buffer.from('h2\n'))));
    const view = replay(handshakeRecords(serverHello({ sessionId: Buffer.alloc(0), suite: 0xc02f, extensions: [alpn] })));
    const text = renderText(view, { color: false, hex: true });
    expect(text).toMatch(/ALPN +h2\\x0a/);
    expect(text).toContain('Protocol: h2\\x0a');
    expect(text).not.toContain('\\\\');
    const json = renderJson(view);
    expect(json.table.find((r) => r.key === 'alpn')?.value).toBe('h2\\x0a');
    expect(json.negotiated.alpn.value).toBe('h2\\x0a');
  });
});
