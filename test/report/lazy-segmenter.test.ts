// Issue 9 item 19: constructing an Intl.Segmenter loads ICU's break rules (≈ 10–20 ms here), and
// fit.ts made one when it was loaded, so every trace paid for it. It is made on first use now:
// only breaking a word too wide for a terminal's column needs grapheme clusters.

describe('fit.ts grapheme segmenter', () => {
  it('is not constructed when the module loads, once when a word is first broken', async () => {
    const made: unknown[] = [];
    const Real = Intl.Segmenter;
    class Counting extends Real {
      constructor(...args: ConstructorParameters<typeof Intl.Segmenter>) {
        super(...args);
        made.push(args);
      }
    }
    (Intl as { Segmenter: typeof Intl.Segmenter }).Segmenter = Counting;
    try {
      const fit = await import('../../src/report/fit.js');
      expect(made).toHaveLength(0);
      expect(fit.breakLongWords('a short line', 20)).toBe('a short line');
      expect(made).toHaveLength(0);
      expect(fit.breakLongWords('abcdefghij 東京証明書', 4)).toBe('abcd\nefgh\nij 東京\n証明\n書');
      expect(fit.breakLongWords('👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧', 4)).toBe('👨‍👩‍👧👨‍👩‍👧\n👨‍👩‍👧');
      expect(made).toHaveLength(1);
    } finally {
      (Intl as { Segmenter: typeof Intl.Segmenter }).Segmenter = Real;
    }
  });
});
