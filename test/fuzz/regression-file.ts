// Regression fixtures (test/fuzz/regressions/*.hex): a capture as text, one chunk per line, in
// capture order, like the "Flow" hexdumps of Go's crypto/tls tests:
//   # free text (what the case was, which seed found it)
//   > 1603010200…          a client chunk (hex)
//   < 160303004a…          a server chunk (hex)
//   < repeat 64 16034000…  a server chunk made of that hex repeated 64 times (floods stay small)
//   k CLIENT_RANDOM …      a key log line (for cases that reach decryption)

import type { Capture, CaptureChunk } from '../../src/capture/types.js';

export function parseRegression(text: string, name: string): Capture {
  const chunks: CaptureChunk[] = [];
  const keylog: string[] = [];
  const at = { client: 0, server: 0 };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('k ')) {
      keylog.push(line.slice(2));
      return;
    }
    const m = /^([<>])\s+(?:repeat\s+(\d+)\s+)?([0-9a-fA-F]*)$/.exec(line);
    if (!m || m[3].length % 2 !== 0) throw new Error(`${name}:${i + 1}: not "> HEX", "< HEX" or "< repeat N HEX"`);
    const direction = m[1] === '>' ? 'client' : 'server';
    const one = Buffer.from(m[3], 'hex');
    const bytes = new Uint8Array(m[2] ? Buffer.concat(Array.from({ length: Number(m[2]) }, () => one)) : one);
    chunks.push({ direction, timeMs: chunks.length, offset: at[direction], bytes });
    at[direction] += bytes.length;
  });
  return {
    format: 'tls-trace-capture',
    version: 1,
    target: { host: '127.0.0.1', port: 443, address: '127.0.0.1', family: 4 },
    startedAt: new Date(0).toISOString(),
    timings: { totalMs: chunks.length },
    options: { regression: name },
    chunks,
    keylog,
  };
}

export function formatRegression(capture: Capture, comment: string): string {
  const lines = comment.split('\n').map((l) => `# ${l}`);
  for (const k of capture.keylog) lines.push(`k ${k}`);
  for (const c of capture.chunks) lines.push(`${c.direction === 'client' ? '>' : '<'} ${Buffer.from(c.bytes).toString('hex')}`);
  return `${lines.join('\n')}\n`;
}
