// Real headless Chromium for the page tests (playwright-core drives Debian's chromium), with
// the fake microphone fed from a WAV file, and screenshots kept in test-artifacts/ (gitignored).
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
 * Chromium whose microphone plays `microphoneWav` in a loop (Chromium's fake capture device)
 * and which grants the microphone without asking.
 */
export function launchChromium(microphoneWav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${microphoneWav}`,
      '--autoplay-policy=no-user-gesture-required',
      '--no-sandbox', // test machines run as root, where Chromium's sandbox cannot start
    ],
  });
}

/** Writes mono PCM16 as a WAV file in a temporary folder and returns its path. */
export function writeWavFile(name: string, samples: Int16Array, sampleRate: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nerve-mic-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeWav(samples, sampleRate));
  return file;
}

/** Saves a full-page screenshot as test-artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
