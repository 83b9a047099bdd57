/// <reference lib="dom" />
// The --html page in a real browser (Debian's chromium through playwright-core): the demo trace's
// page and the page of a server whose certificate names are hostile. Expected values come from the
// same run's --json trace (record bytes as captured, flights) and from Node's own view of the
// connection (the cipher suite), not from the page builder.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { runCli } from '../helpers/cli.js';
import { startNodeTlsServer, type TestServer } from '../helpers/servers.js';
import { describeBrowser, launchBrowser } from './browser.js';

interface TraceJsonLite {
  records: Array<{ index: number; offset: number; length: number; hex: string }>;
  flights: Array<{ index: number; direction: string; startMs: number }>;
  node?: { cipher?: { standardName?: string } };
}

interface Opened {
  page: Page;
  requests: string[];
  consoleErrors: string[];
  dialogs: string[];
  violations: string[];
}

interface DumpFacts {
  record: number;
  offset: number;
  length: number;
  shown: number;
  spans: Array<{ o: number; n: number; cut: number | null; title: string; hex: string; nested: boolean }>;
}

const BIDI = '\u202e';
const HOSTILE_CN = `<img src=x onerror=window.__pwned=1>${BIDI}gnp.exe`;
const HOSTILE_O = '</script><script>window.__pwned=2</script>';

let dir: string;
let browser: Browser;
let hostile: TestServer;
let demoJson: TraceJsonLite;
let demoUrl: string;
let hostileUrl: string;
let hostileHtml: string;

/** A self-signed EC certificate with a hostile subject, made by openssl (as big-captures' selfSigned does). */
function hostileCert(): { key: string; cert: string } {
  const out = path.join(dir, 'hostile');
  const subj = `/CN=${HOSTILE_CN}/O=${HOSTILE_O.replace(/\//g, '\\/')}`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${out}.key`, '-out', `${out}.pem`, '-days', '30', '-utf8', '-subj', subj], { stdio: 'pipe', timeout: 20_000 });
  return { key: readFileSync(`${out}.key`, 'utf8'), cert: readFileSync(`${out}.pem`, 'utf8') };
}

/** Opens `url` in a fresh context, recording every request, console error, dialog and CSP violation. */
async function open(url: string, options: BrowserContextOptions = {}): Promise<Opened> {
  const context = await browser.newContext(options);
  const opened: Opened = { page: await context.newPage(), requests: [], consoleErrors: [], dialogs: [], violations: [] };
  const { page } = opened;
  // Anything but the page itself is refused, and counted.
  await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  context.on('request', (r) => opened.requests.push(r.url()));
  page.on('console', (m) => void (m.type() === 'error' && opened.consoleErrors.push(m.text())));
  page.on('pageerror', (e) => opened.consoleErrors.push(e.message));
  page.on('dialog', (d) => {
    opened.dialogs.push(d.message());
    void d.dismiss();
  });
  // Injected by the browser driver (not subject to the page's CSP): collects CSP violation reports.
  if (options.javaScriptEnabled !== false) {
    await context.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
  }
  await page.goto(url, { waitUntil: 'load' });
  if (options.javaScriptEnabled !== false) opened.violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
  return opened;
}

/** Every hex view of a record as the DOM holds it. */
function recordDumps(page: Page): Promise<DumpFacts[]> {
  return page.$$eval('figure.dump[data-record]', (figs) =>
    figs.map((f) => ({
      record: Number(f.getAttribute('data-record')),
      offset: Number(f.getAttribute('data-offset')),
      length: Number(f.getAttribute('data-length')),
      shown: Number(f.getAttribute('data-shown')),
      spans: Array.from(f.querySelectorAll('.hex .f')).map((s) => ({
        o: Number(s.getAttribute('data-o')),
        n: Number(s.getAttribute('data-n')),
        cut: s.hasAttribute('data-cut') ? Number(s.getAttribute('data-cut')) : null,
        title: s.getAttribute('title') ?? '',
        hex: (s.textContent ?? '').replace(/\s+/g, ''),
        nested: s.querySelector('.f') !== null,
      })),
    })),
  );
}

const panelText = (page: Page, id: string): Promise<string> => page.$eval(`#${id}`, (e) => e.textContent ?? '');

const describeB = describeBrowser();

describeB('the --html page in chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tls-trace-html-'));
    const demoFile = path.join(dir, 'demo.html');
    const demo = await runCli(['--demo', '--json', '--html', demoFile]);
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    demoJson = JSON.parse(demo.stdout) as TraceJsonLite;
    demoUrl = pathToFileURL(demoFile).href;

    hostile = await startNodeTlsServer(hostileCert());
    const hostileFile = path.join(dir, 'hostile.html');
    const run = await runCli([`127.0.0.1:${hostile.port}`, '--servername', 'localhost', '--html', hostileFile]);
    // The handshake completes: trace shows the failed chain in the report, not as an exit code.
    expect(run.code).toBe(0);
    hostileHtml = readFileSync(hostileFile, 'utf8');
    hostileUrl = pathToFileURL(hostileFile).href;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hostile?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('covers every byte of every record with exactly one labelled span, bytes as captured', async () => {
    const { page } = await open(demoUrl);
    const dumps = await recordDumps(page);
    expect(dumps.map((d) => d.record)).toEqual(demoJson.records.map((r) => r.index));
    for (const r of demoJson.records) {
      const d = dumps.find((x) => x.record === r.index)!;
      expect([d.offset, d.length, d.shown]).toEqual([r.offset, r.length, r.length]);
      let at = r.offset;
      for (const s of d.spans) {
        expect(s.o).toBe(at);
        expect(s.n).toBeGreaterThan(0);
        expect(s.cut).toBeNull();
        expect(s.nested).toBe(false);
        expect(s.title.trim()).not.toBe('');
        expect(s.title).not.toContain('Not explained');
        expect(s.hex.length).toBe(2 * s.n);
        at += s.n;
      }
      expect(at).toBe(r.offset + r.length);
      expect(d.spans.map((s) => s.hex).join('')).toBe(r.hex);
    }
    await page.context().close();
  });

  it('shows a field\'s label, value and purpose on hover, click, keyboard focus and selection', async () => {
    const { page } = await open(demoUrl);
    expect(await page.isVisible('#field-info')).toBe(false);
    // The ServerHello's cipher suite: its value must be the suite Node negotiated.
    const suite = page.locator('figure.dump[data-record="1"] .f[title^="Cipher suite"]');
    await suite.hover();
    expect(await page.isVisible('#field-info')).toBe(true);
    expect(await panelText(page, 'fi-label')).toBe('Cipher suite');
    expect(await panelText(page, 'fi-value')).toContain(demoJson.node?.cipher?.standardName ?? '(no cipher from Node)');
    expect(await panelText(page, 'fi-path')).toContain('ServerHello');
    expect(await panelText(page, 'fi-purpose')).toMatch(/server picks/i);
    expect(await panelText(page, 'fi-about')).toMatch(/^A cipher suite: /);
    expect(await suite.getAttribute('class')).toContain('sel');
    // Click pins the record header's content type; hovering elsewhere then leaves it shown.
    await page.locator('figure.dump[data-record="0"] .f').first().click();
    expect(await panelText(page, 'fi-label')).toBe('Content type');
    expect(await panelText(page, 'fi-value')).toBe('handshake (0x16)');
    expect(await panelText(page, 'fi-purpose')).toMatch(/record header/i);
    expect(await panelText(page, 'fi-about')).toMatch(/^Content type: what this record carries/);
    await suite.hover();
    expect(await panelText(page, 'fi-label')).toBe('Content type');
    // Keyboard focus selects too.
    await page.locator('figure.dump[data-record="0"] .f').nth(1).focus();
    expect(await panelText(page, 'fi-label')).toMatch(/version/i);
    // Selecting bytes with the mouse (a text selection) shows their field.
    await page.evaluate(() => {
      const s = document.querySelector('figure.dump[data-record="1"] .f[title^="Cipher suite"]')!;
      const range = document.createRange();
      range.selectNodeContents(s);
      document.getSelection()!.removeAllRanges();
      document.getSelection()!.addRange(range);
    });
    await page.waitForFunction(() => document.getElementById('fi-label')?.textContent === 'Cipher suite');
    await page.context().close();
  });

  it('makes no request but the file itself, and its own style and script pass the CSP', async () => {
    const opened = await open(demoUrl);
    expect(opened.requests).toEqual([demoUrl]);
    expect(opened.violations).toEqual([]);
    expect(opened.consoleErrors).toEqual([]);
    // The script ran (allowed by its hash): it rewrote the hint.
    expect(await panelText(opened.page, 'hint')).toMatch(/^Hover, click, select or tab/);
    const csp = await opened.page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.getAttribute('content') ?? '');
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+';/);
    expect(csp).not.toContain('unsafe');
    await opened.page.context().close();
  });

  it('draws one ladder arrow per flight, in wire order', async () => {
    const { page } = await open(demoUrl);
    const arrows = await page.$$eval('svg.ladder g.arrow[data-phase="tls"]', (gs) =>
      gs.map((g) => ({ flight: Number(g.getAttribute('data-flight')), direction: g.getAttribute('data-direction'), y: (g as SVGGraphicsElement).getBBox().y })),
    );
    expect(arrows.map(({ flight, direction }) => ({ flight, direction }))).toEqual(demoJson.flights.map((f) => ({ flight: f.index, direction: f.direction })));
    for (let i = 1; i < arrows.length; i++) expect(arrows[i].y).toBeGreaterThan(arrows[i - 1].y);
    for (let i = 1; i < demoJson.flights.length; i++) expect(demoJson.flights[i].startMs).toBeGreaterThanOrEqual(demoJson.flights[i - 1].startMs);
    // Each arrow links to its flight's cards.
    const targets = await page.$$eval('svg.ladder a', (as) => as.map((a) => a.getAttribute('href')));
    expect(targets).toEqual(demoJson.flights.map((f) => `#flight-${f.index}`));
    expect(await page.locator('section.flight').count()).toBe(demoJson.flights.length);
    await page.context().close();
  });

  it('is readable without script, dark when asked, and prints without the panel', async () => {
    const { page } = await open(demoUrl, { javaScriptEnabled: false });
    // Without the script every field is still named: a tooltip on the bytes and a list per record.
    const counts = await page.$$eval('figure.dump', (figs) => figs.map((f) => [f.querySelectorAll('.hex .f[title]').length, f.querySelectorAll('details.legend li').length]));
    for (const [spans, items] of counts) expect(items).toBe(spans);
    expect(await page.isVisible('svg.ladder')).toBe(true);
    expect(await page.locator('table.chain td.good', { hasText: 'ok' }).count()).toBeGreaterThan(0);
    await page.context().close();

    const dark = await open(demoUrl, { colorScheme: 'dark' });
    const bg = await dark.page.$eval('body', (b) => getComputedStyle(b).backgroundColor);
    const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
    expect(r + g + b).toBeLessThan(150);
    await dark.page.emulateMedia({ media: 'print', colorScheme: 'light' });
    expect(await dark.page.$eval('nav', (n) => getComputedStyle(n).display)).toBe('none');
    expect(await dark.page.$eval('#field-info', (n) => getComputedStyle(n).display)).toBe('none');
    // Printed, the field list under each record is open.
    expect(await dark.page.locator('details.legend li').first().isVisible()).toBe(true);
    await dark.page.context().close();
  });

  it('shows a hostile certificate name as inert text and runs no script from it', async () => {
    // The file itself: no raw bidi override, no markup from the peer.
    expect(hostileHtml).not.toContain(BIDI);
    expect(hostileHtml).not.toContain('<img');
    expect(hostileHtml).not.toContain(HOSTILE_O);
    const opened = await open(hostileUrl);
    const { page } = opened;
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toContain('<img src=x onerror=window.__pwned=1>\\u{202e}gnp.exe');
    expect(text).toContain(HOSTILE_O);
    expect(text).not.toContain(BIDI);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => document.scripts.length)).toBe(2);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(opened.dialogs).toEqual([]);
    expect(opened.violations).toEqual([]);
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.requests).toEqual([hostileUrl]);
    // The chain table names the certificate and gives its verdict.
    const chain = await page.locator('table.chain').innerText();
    expect(chain).toContain('<img src=x onerror=window.__pwned=1>');
    expect(chain).toMatch(/FAIL/);
    await page.context().close();
  });
});
