// The workflow bundle every end-to-end test file's workers load, built once per version of the
// code and kept in .cache/ (webpack takes seconds, and each test file would otherwise build the
// same bundle again). The key is a hash of every source file a bundle could include.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const ROOT = path.resolve(__dirname, '..', '..');
const SKIP = new Set(['node_modules', '.git', '.cache', 'generated', 'test', 'test-artifacts', 'speech-host', 'ops']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...sourceFiles(ROOT).sort(), path.join(ROOT, 'package-lock.json')]) hash.update(file).update(fs.readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

type BundleLogger = Parameters<typeof bundleWorkflowCode>[0]['logger'];

/** The path of the bundle for the code as it is now, built if no test file built it yet. */
export async function workflowBundlePath(logger: BundleLogger): Promise<string> {
  const dir = path.join(ROOT, '.cache', 'workflow-bundles');
  const file = path.join(dir, `${sourceHash()}.js`);
  if (fs.existsSync(file)) return file;
  const bundle = await bundleWorkflowCode({ workflowsPath: path.join(ROOT, 'workflows'), failureConverterPath: require.resolve('../../lib/failure-converter'), logger });
  fs.mkdirSync(dir, { recursive: true });
  // Versions a day old go; a newer one may still be loaded by a run of another version of the code.
  for (const old of fs.readdirSync(dir).map((name) => path.join(dir, name))) {
    if (Date.now() - (fs.statSync(old, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 86_400_000) fs.rmSync(old, { force: true });
  }
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, bundle.code);
  fs.renameSync(partial, file); // readers never see half a bundle
  return file;
}
