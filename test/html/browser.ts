// Debian's chromium driven by playwright-core (no browser download): one headless browser per test
// file, with every background fetch the browser itself might make switched off, so the page's own
// requests are the only ones seen. playwright's launch() gives each browser a fresh temporary
// user-data dir of its own and removes it on close.

import { chromium, type Browser } from 'playwright-core';
import { requireTool } from '../helpers/servers.js';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** `describe` when chromium is installed; outside CI a missing chromium skips, under CI it fails. */
export function describeBrowser(): jest.Describe {
  return requireTool('chromium') ? describe : describe.skip;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}
