// Real headless Chromium for the page tests (playwright-core drives Debian's chromium, which
// .ci/run installs; CHROMIUM_PATH names another one), optionally with the fake microphone fed
// from a WAV file, and screenshots kept in test-artifacts/ (gitignored).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { encodeWav } from '../../lib/audio';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** CHROMIUM_PATH, else the first browser installed where Debian and Google put them. */
export function chromiumPath(): string {
  const found = process.env.CHROMIUM_PATH || CANDIDATES.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`no Chromium found (tried ${CANDIDATES.join(', ')}): install Debian's chromium or set CHROMIUM_PATH`);
  return found;
}

/**
 * Headless Chromium. With `microphoneWav`, its microphone plays that file in a loop (Chromium's
 * fake capture device) and is granted without asking.
 */
export function launchChromium(microphoneWav?: string): Promise<Browser> {
  const microphone = microphoneWav
    ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${microphoneWav}`, '--autoplay-policy=no-user-gesture-required']
    : [];
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [...microphone, '--no-sandbox', '--disable-dev-shm-usage'], // test machines run as root, where Chromium's sandbox cannot start
  });
}

/** Writes mono PCM16 as a WAV file in a temporary folder and returns its path. */
export function writeWavFile(name: string, samples: Int16Array, sampleRate: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nerve-mic-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeWav(samples, sampleRate));
  return file;
}

/** Saves a full-page screenshot as test-artifacts/<name>.png (`name` may hold a folder). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
