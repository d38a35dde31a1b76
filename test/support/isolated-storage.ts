// Each harness gets its own PostgreSQL database (in the cluster scripts/with-services.sh
// started) and its own Redis server, so end-to-end files can run side by side without one
// truncating or flushing what another is using. Redis is a separate server rather than a
// numbered database because pub/sub channels are shared by every database of a server.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { Client as Pg } from 'pg';
import { migrate } from '../../scripts/migrate';
import { stopChild } from '../../scripts/temporal';
import { freePort } from './ports';

export interface IsolatedStorage {
  databaseUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

let created = 0;

export async function isolatedStorage(clusterUrl: string): Promise<IsolatedStorage> {
  const name = `nerve_test_${process.pid}_${++created}`;
  await adminQuery(clusterUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`);
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const [redis] = await Promise.all([startRedis(), migrate(databaseUrl, () => {})]);
  return {
    databaseUrl,
    redisUrl: `redis://127.0.0.1:${redis.port}`,
    async stop() {
      await Promise.all([stopChild(redis.child), adminQuery(clusterUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})]);
    },
  };
}

/** Drops the databases of test processes that are gone (killed before their harness stopped). */
export async function dropLeftoverDatabases(clusterUrl: string): Promise<void> {
  const admin = await adminClient(clusterUrl);
  try {
    const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'nerve\\_test\\_%'`);
    for (const { datname } of rows as { datname: string }[]) {
      const pid = Number(datname.split('_')[2]);
      if (!isAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function adminClient(clusterUrl: string): Promise<Pg> {
  const url = new URL(clusterUrl);
  url.pathname = '/postgres'; // CREATE/DROP DATABASE cannot run connected to the database in question
  const admin = new Pg({ connectionString: url.toString() });
  await admin.connect();
  return admin;
}

async function adminQuery(clusterUrl: string, ...statements: string[]): Promise<void> {
  const admin = await adminClient(clusterUrl);
  try {
    for (const sql of statements) await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A Redis server on a free port; a port taken between choosing and binding it is chosen again. */
async function startRedis(): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { child: await startRedisOn(port), port };
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

async function startRedisOn(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
    stdio: 'ignore', // a server outliving this process must not hold the test runner's pipes open
  });
  process.once('exit', () => child.kill('SIGKILL')); // a file that ends without its after() hooks leaves no server behind
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited (${child.exitCode})`);
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
  });
}
