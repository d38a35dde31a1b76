// Replays the recorded histories in test/histories/ (encrypted with the development payload key,
// as the harness runs) against the current workflow code, so a change
// that would break calls already running (different commands in a different order) fails here
// rather than in production. No server needed. Re-record with `npm run record-histories` after an
// intended change to the call scripts, guarded by `patched()` where live calls may still run.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import { bundleWorkflowCode, DefaultLogger, type ReplayResult, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { dataConverter, FAILURE_CONVERTER_PATH } from '../lib/data-converter';
import * as workflows from '../workflows';
import { type RecordedHistory, readHistories } from './support/histories';

const histories = readHistories();
const bundles: { current?: WorkflowBundle; mismatched?: WorkflowBundle } = {};

const quietLogger = {
  log() {}, trace() {}, debug() {}, info() {}, warn() {},
  error(message: string, meta?: unknown) { console.error(message, meta); },
};

// The negative check makes the SDK log every determinism violation it provokes; only errors matter here.
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });

before(async () => {
  const [current, mismatched] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, '..', 'workflows'), failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietLogger }),
    bundleWorkflowCode({ workflowsPath: require.resolve('./support/mismatched-workflows'), failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietLogger }),
  ]);
  Object.assign(bundles, { current, mismatched });
}, { timeout: 120_000 });

/** Replays `recorded` with one replay worker; results paired with their files. */
async function replay(bundle: WorkflowBundle, recorded: RecordedHistory[]): Promise<{ file: string; result: ReplayResult }[]> {
  const out: { file: string; result: ReplayResult }[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'replay-test', dataConverter: dataConverter() }, recorded)) {
    out.push({ file: recorded[out.length].file, result }); // results come back in input order
  }
  return out;
}

test('there is a recorded history of every call type', () => {
  const recordedTypes = new Set(histories.map((h) => h.workflowType));
  for (const type of Object.keys(workflows)) {
    assert.ok(recordedTypes.has(type), `no history of ${type} in test/histories/: run \`npm run record-histories\``);
  }
  for (const type of recordedTypes) assert.ok(type in workflows, `test/histories/ has ${type}, which workflows/index.ts does not export`);
});

test('every recorded history replays deterministically against the current workflow code', async () => {
  const results = await replay(bundles.current!, histories);
  assert.equal(results.length, histories.length);
  const failures = results
    .filter(({ result }) => result.error)
    .map(({ file, result }) => `${file}: ${result.error!.name}: ${result.error!.message}`);
  assert.ok(failures.length === 0, `histories that no longer replay:\n${failures.join('\n')}`);
  for (const { file, result } of results) assert.equal(result.workflowId, histories.find((h) => h.file === file)!.workflowId);
});

test('the check can fail: a script issuing other commands is reported as a determinism violation', async () => {
  const onePerType = [...new Map(histories.map((h) => [h.workflowType, h])).values()];
  assert.ok(onePerType.length > 0, 'no histories recorded');
  for (const { file, result } of await replay(bundles.mismatched!, onePerType)) {
    assert.ok(result.error instanceof DeterminismViolationError, `${file}: expected a DeterminismViolationError, got ${result.error ? `${result.error.name}: ${result.error.message}` : 'no error'}`);
  }
});
