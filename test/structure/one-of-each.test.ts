// Guards for the reshape (issue 10): stages import only earlier stages, and the pieces that used to
// exist twice exist once. Reads the sources as text: these are facts about the code's shape.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(new URL('../..', import.meta.url).pathname);

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(root, dir))) {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...files(rel));
    else if (name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

const text = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');
const imports = (rel: string): string[] => [...text(rel).matchAll(/from '([^']+)'/g)].map((m) => path.join(path.dirname(rel), m[1]));

test('decrypt imports only capture, decode, registry and limits (it runs before analyse)', () => {
  const bad = files('src/decrypt').flatMap((f) => imports(f).filter((i) => /^src\/(analyse|report|cli|check|scan)\//.test(i)).map((i) => `${f} -> ${i}`));
  expect(bad).toEqual([]);
});

test('decode imports neither decrypt nor any later stage', () => {
  const bad = files('src/decode').flatMap((f) => imports(f).filter((i) => /^src\/(decrypt|analyse|report|cli|check|scan)\//.test(i)).map((i) => `${f} -> ${i}`));
  expect(bad).toEqual([]);
});

test('handshake messages are framed from records in one place (src/decode/defragment.ts)', () => {
  // The uint24 length read that frames a message across records, outside decode's message decoder.
  const framing = files('src').filter((f) => f !== 'src/decode/defragment.ts' && f !== 'src/decode/handshake.ts' && /new HandshakeReassembler/.test(text(f)));
  expect(framing.sort()).toEqual(['src/decode/direction-split.ts', 'src/decrypt/direction-state.ts']);
});

test('one recording tap: only src/capture/tap.ts extends Duplex to record a connection', () => {
  const duplexes = [...files('src'), ...files('test')].filter((f) => f !== 'test/structure/one-of-each.test.ts' && /extends Duplex\b/.test(text(f)));
  expect(duplexes).toEqual(['src/capture/tap.ts']);
});

test('one integer-option parser in the CLI', () => {
  const parsers = files('src/cli').filter((f) => /\/\^\[0-9\]\+\$\/\.test\(/.test(text(f)));
  expect(parsers).toEqual(['src/cli/options.ts']);
});

test('names that meant two things are declared once outside src/report (report/spans.ts still has streamSpace)', () => {
  const declared = (name: string): string[] =>
    files('src').filter((f) => !f.startsWith('src/report/') && new RegExp(`(function|interface|type|const|class) ${name}\\b`).test(text(f)));
  expect(declared('ExtensionInfo')).toEqual(['src/decode/model.ts']);
  expect(declared('Negotiated')).toEqual(['src/analyse/types.ts']);
  expect(declared('streamSpace')).toEqual([]);
  expect(declared('formatBytes')).toEqual([]);
});

test('the report renders the view: nothing in src/report reads a decoded message body', () => {
  // `.body` is a decoded handshake message's typed body; the view (src/view) describes it.
  const readers = files('src/report').filter((f) => /\.body\b/.test(text(f)));
  expect(readers).toEqual([]);
});

test('the view imports nothing from the report (report renders the view, not the other way round)', () => {
  const bad = files('src/view').flatMap((f) => imports(f).filter((i) => /^src\/(report|cli)\//.test(i)).map((i) => `${f} -> ${i}`));
  expect(bad).toEqual([]);
});
