// Headless Chromium for browser tests, driven by playwright-core. The browser is the system's
// (Debian's `chromium`, which .ci/run installs); CHROMIUM_PATH names another one.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function chromiumPath(): string {
  const found = [process.env.CHROMIUM_PATH, ...CANDIDATES].find((p): p is string => !!p && fs.existsSync(p));
  if (!found) throw new Error(`no Chromium found (tried ${CANDIDATES.join(', ')}); install Debian's chromium or set CHROMIUM_PATH`);
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Where tests keep screenshots (gitignored): test-artifacts/<test name>/. */
export function artifactPath(group: string, file: string): string {
  const dir = path.resolve(__dirname, '..', '..', 'test-artifacts', group);
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, file);
}
