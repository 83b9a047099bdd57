// Build-time stand-in for string-width (cli-table3 measures every cell, line and word with it,
// several times per cell). The real one builds the whole emoji regex on every call; a line of
// printable ASCII, which is nearly every cell of a trace's tables, is one column per character,
// so it is answered without it. Anything else goes to the real string-width, unchanged.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- bundled as CommonJS, like string-width itself */
'use strict';
const stringWidth = require('string-width');

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function fastStringWidth(string) {
  if (typeof string === 'string' && PRINTABLE_ASCII.test(string)) return string.length;
  return stringWidth(string);
}

module.exports = fastStringWidth;
module.exports.default = fastStringWidth;
