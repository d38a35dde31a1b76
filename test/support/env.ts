// Unit tests that vary settings: lib/config caches what it reads, so every change resets it.
import { resetConfig } from '../../lib/config';

/** Runs fn with extra env (undefined deletes a variable) and a fresh config, then restores both. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, val] of Object.entries(v)) val === undefined ? delete process.env[k] : (process.env[k] = val);
    resetConfig();
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}
