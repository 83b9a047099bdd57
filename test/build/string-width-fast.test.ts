// Issue 9 item 19: the bundle measures table cells with scripts/string-width-fast.cjs instead of
// string-width (the real one rebuilds the emoji regex on every call). The widths, and so every
// table's bytes, must be the real one's for any text: ASCII takes the fast path, the rest is passed on.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type Width = (text: unknown) => number;
const real = require('string-width') as Width;
const fast = require('../../scripts/string-width-fast.cjs') as Width;

describe('string-width-fast', () => {
  const samples: unknown[] = [
    '',
    'TLS_AES_256_GCM_SHA384',
    'a b  c ~!@#$%^&*()_+{}|:"<>?',
    'tab\there',
    'nul\u0000 del\u007f esc\u001b[31mred\u001b[39m',
    'line\nbreak',
    'caf\u00e9 e\u0301',
    '東京 証明書',
    '👍🏽 family 👨‍👩‍👧',
    '— en – dash',
    '\u00a9 \u00ae',
    42,
    undefined,
  ];
  it.each(samples.map((s) => [JSON.stringify(s) ?? String(s), s] as const))('%s: same width as string-width', (_name, s) => {
    expect(fast(s)).toBe(real(s));
  });

  it('answers printable ASCII without the real one (its own count)', () => {
    expect(fast('Parameter')).toBe(9);
    expect(fast(' '.repeat(40))).toBe(40);
  });
});
