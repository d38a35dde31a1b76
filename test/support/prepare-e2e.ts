// Run once before the end-to-end files (scripts/test.sh): finds (or builds) the Temporal CLI,
// builds the shared workflow bundle, and drops databases a killed run left behind, so the
// files that then start side by side do none of it at the same time.
import { findTemporalBinary } from '../../scripts/temporal';
import { dropLeftoverDatabases } from './isolated-storage';
import { workflowBundlePath } from './workflow-bundle';

async function main() {
  if (!findTemporalBinary()) throw new Error('no Temporal CLI: set TEMPORAL_BINARY, put `temporal` on PATH, or install Go');
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  await Promise.all([workflowBundlePath(quiet), dropLeftoverDatabases(process.env.DATABASE_URL!)]);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
