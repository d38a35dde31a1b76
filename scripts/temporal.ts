// Provides a Temporal dev server without relying on the SDK's download (unreachable on
// offline machines): an explicit path, `temporal` on PATH, a cached build, a Go build of the
// pinned CLI, and only then the SDK's own download.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/messages';

export const TEMPORAL_CLI_VERSION = 'v1.5.1'; // later releases carry a go.mod replace and cannot be `go install`ed
const CACHE_BIN = path.resolve(__dirname, '..', '.cache', 'bin');

function onPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Finds or builds the Temporal CLI; undefined when only the SDK download is left. */
export function findTemporalBinary(log: (m: string) => void = console.error): string | undefined {
  const explicit = process.env.TEMPORAL_BINARY;
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`TEMPORAL_BINARY=${explicit} does not exist`);
    return explicit;
  }
  const cached = path.join(CACHE_BIN, 'temporal');
  if (fs.existsSync(cached)) return cached;
  const installed = onPath('temporal');
  if (installed) return installed;
  if (onPath('go')) {
    log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (a few minutes, once)...`);
    fs.mkdirSync(CACHE_BIN, { recursive: true });
    execFileSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: CACHE_BIN, GOFLAGS: '-buildvcs=false' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (fs.existsSync(cached)) return cached;
  }
  return undefined;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port: number;
  uiPort?: number; // omitted: headless
  dbFile?: string; // omitted: in memory
  codecEndpoint?: string; // the gateway's /codec, so the Web UI shows decrypted payloads (with a UI only)
  log?: (m: string) => void;
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = options.log ?? console.error;
  const address = `127.0.0.1:${options.port}`;
  const searchAttributes = SEARCH_ATTRIBUTE_KEYS.map((k) => `${k.name}=Keyword`);
  const codecArgs = options.uiPort && options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : [];
  const binary = findTemporalBinary(log);
  if (!binary) return startWithSdkDownload(options, log, codecArgs);

  if (options.dbFile) fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const args = [
    'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'error',
    ...(options.uiPort ? ['--ui-port', String(options.uiPort), ...codecArgs] : ['--headless']),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...searchAttributes.flatMap((sa) => ['--search-attribute', sa]),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  await waitForPort(options.port, 60_000, child, () => stderr);
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    stop: () => stopChild(child),
  };
}

async function startWithSdkDownload(options: DevServerOptions, log: (m: string) => void, extraArgs: string[]): Promise<DevServer> {
  log('no Temporal CLI found and no Go toolchain: trying the SDK download');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: options.port,
      ui: !!options.uiPort,
      uiPort: options.uiPort,
      dbFilename: options.dbFile,
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      extraArgs,
    },
  });
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}

function waitForPort(port: number, timeoutMs: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`Temporal server exited (${child.exitCode}): ${stderr()}`));
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(); });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`Temporal server did not listen on ${port}: ${stderr()}`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(force); resolve(); });
    child.kill('SIGTERM');
  });
}
