// `npm run temporal:binary`: finds or builds the Temporal CLI and prints its path (CI runs it once).
import { findTemporalBinary } from './temporal';

const binary = findTemporalBinary();
if (!binary) {
  console.error('no Temporal CLI: set TEMPORAL_BINARY, put `temporal` on PATH, or install Go');
  process.exit(1);
}
console.log(binary);
