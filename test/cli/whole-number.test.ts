// The CLI's one integer-option parser (src/cli/options.ts): --timeout, check's --warn-days and
// --concurrency and scan's --concurrency all go through parseWholeNumber, so they accept and
// refuse the same texts with the same words.

import { parseTimeout, parseWholeNumber } from '../../src/cli/options.js';
import { UsageError } from '../../src/errors.js';
import { MAX_TIMEOUT_MS } from '../../src/limits.js';

const range = { fallback: 7, min: 1, max: 64 };

function refusal(f: () => unknown): { message: string; hint?: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    const u = e as UsageError;
    return { message: u.message, ...(u.hint !== undefined ? { hint: u.hint } : {}) };
  }
  throw new Error('no usage error');
}

test('digits within the range are the number; an absent flag is the fallback', () => {
  expect(parseWholeNumber(undefined, '--concurrency', range)).toBe(7);
  expect(parseWholeNumber('1', '--concurrency', range)).toBe(1);
  expect(parseWholeNumber('064', '--concurrency', range)).toBe(64);
});

test.each(['0', '65', '-3', '+3', '1e1', '2.0', ' 3', '', '0x10'])('refuses %j, naming the flag and the range', (text) => {
  expect(refusal(() => parseWholeNumber(text, '--concurrency', range))).toEqual({ message: `bad --concurrency "${text}": give a whole number from 1 to 64` });
});

test('--timeout is the same parser, in milliseconds, with a hint', () => {
  expect(parseTimeout(undefined)).toBe(10_000);
  expect(parseTimeout('5000')).toBe(5000);
  expect(refusal(() => parseTimeout('5s'))).toEqual({ message: `bad --timeout "5s": give milliseconds from 1 to ${MAX_TIMEOUT_MS}`, hint: 'e.g. --timeout 5000' });
});
