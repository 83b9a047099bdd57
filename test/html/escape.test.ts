// The page's two ways of writing text: html() for markup and scriptJson() for the data block.
// Expected strings are written out by hand from the HTML and JSON rules, not produced by the code.

import { html, scriptJson } from '../../src/report/html/escape.js';

describe('html()', () => {
  it('escapes the five HTML specials after making controls and bidi characters visible', () => {
    expect(html(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
    expect(html('evil\u202egnp.exe\u0007\\')).toBe('evil\\u{202e}gnp.exe\\x07\\\\');
    // Once: an entity in the input is text, shown as typed.
    expect(html('&lt;')).toBe('&amp;lt;');
  });
});

describe('scriptJson()', () => {
  it('cannot close the script block or open a comment, and parses back to the escaped text', () => {
    const text = scriptJson({ name: '</script><script>alert(1)</script><!--', sep: '\u2028', n: 1 });
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(text).toBe('{"name":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\\u003c!--","sep":"\\\\u{2028}","n":1}');
    expect(JSON.parse(text)).toEqual({ name: '</script><script>alert(1)</script><!--', sep: '\\u{2028}', n: 1 });
  });
});
