// Makes the README's screenshots from a fresh demo trace: the --html page (its ladder and header,
// and a card with a field selected in its hex view) and the terminal ladder (the text output's
// ladder, coloured as a terminal shows it, drawn as a <pre> page). Uses Debian's chromium through
// playwright-core, like the browser tests. Run: `npx tsx scripts/screenshots.ts` (writes docs/*.png).

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { main } from '../src/cli/main.js';
import { html } from '../src/report/html/escape.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const docs = path.join(root, 'docs');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The README asks for small images. */
const MAX_PNG_BYTES = 300 * 1024;

/** The demo trace through the real CLI: its coloured text (as on a 100-column terminal) and the page. */
async function demoTrace(htmlFile: string): Promise<string> {
  let out = '';
  let err = '';
  const code = await main(['--demo', '--html', htmlFile], { stdout: (t) => void (out += t), stderr: (t) => void (err += t), stdoutIsTTY: true, stdoutColumns: 100, env: { TERM: 'xterm-256color' }, exitCode: 0 });
  if (code !== 0) throw new Error(`tls-trace --demo exited ${code}: ${err}`);
  return out;
}

/** The ladder block of the text output: from its heading to the blank line after it. */
function ladderLines(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- SGR sequences are what the terminal output holds
  const plain = (l: string): string => l.replace(/\u001b\[[0-9;]*m/g, '');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => plain(l).startsWith('Ladder'));
  if (start < 0) throw new Error('no ladder in the demo output');
  const end = lines.findIndex((l, i) => i > start && plain(l).trim() === '');
  return lines.slice(start, end < 0 ? undefined : end);
}

const SGR_CLASS: Readonly<Record<string, string>> = { '1': 'b', '2': 'd', '31': 'red', '32': 'green', '33': 'yellow', '34': 'blue', '35': 'magenta', '36': 'cyan' };

/** chalk's basic SGR codes as nested spans (bold/dim and one foreground colour at a time). */
function ansiToHtml(line: string): string {
  let out = '';
  let open = 0;
  // eslint-disable-next-line no-control-regex -- see ladderLines
  for (const part of line.split(/(\u001b\[[0-9;]*m)/)) {
    // eslint-disable-next-line no-control-regex -- see ladderLines
    const m = /^\u001b\[([0-9;]*)m$/.exec(part);
    if (!m) {
      out += html(part);
      continue;
    }
    const code = m[1];
    const cls = SGR_CLASS[code];
    if (cls) {
      out += `<span class="${cls}">`;
      open++;
    } else if (open > 0) {
      out += '</span>';
      open--;
    }
  }
  return out + '</span>'.repeat(open);
}

const TERMINAL_PAGE = (body: string): string => `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#1e1e1e}pre{margin:0;display:inline-block;padding:14px 18px;background:#1e1e1e;color:#d4d4d4;font:14px/1.35 "DejaVu Sans Mono",monospace}
.b{font-weight:700}.d{color:#8a8a8a}.red{color:#f14c4c}.green{color:#23d18b}.yellow{color:#e5e510}.blue{color:#3b8eea}.magenta{color:#d670d6}.cyan{color:#29b8db}
</style></head><body><pre>${body}</pre></body></html>`;

async function shoot(page: Page, file: string, clip?: { x: number; y: number; width: number; height: number }): Promise<void> {
  await page.screenshot({ path: file, ...(clip ? { clip } : {}) });
  const size = statSync(file).size;
  if (size > MAX_PNG_BYTES) throw new Error(`${file} is ${size} bytes, over ${MAX_PNG_BYTES}`);
  console.log(`${path.relative(root, file)}  ${Math.round(size / 1024)} KB`);
}

async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-shots-'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  try {
    const pageFile = path.join(dir, 'demo.html');
    const text = await demoTrace(pageFile);
    const termFile = path.join(dir, 'ladder.html');
    writeFileSync(termFile, TERMINAL_PAGE(ladderLines(text).map(ansiToHtml).join('\n')));

    const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, colorScheme: 'light' });
    await page.goto(pathToFileURL(termFile).href);
    await page.locator('pre').screenshot({ path: path.join(docs, 'ladder-terminal.png') });
    console.log(`docs/ladder-terminal.png  ${Math.round(statSync(path.join(docs, 'ladder-terminal.png')).size / 1024)} KB`);

    await page.goto(pathToFileURL(pageFile).href);
    await shoot(page, path.join(docs, 'html-page.png'));
    // A field of the ServerHello selected: the panel names it, its value and what it is for.
    await page.locator('#flight-2').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.getElementById('flight-2')?.scrollIntoView());
    await page.locator('figure.dump[data-record="1"] .f[title^="Cipher suite"]').click();
    await shoot(page, path.join(docs, 'html-fields.png'));
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await run();
