// Recorded workflow histories for replay tests (test/replay.test.ts). Each file is one history in
// Temporal's JSON form (as `temporal workflow show --output json` and the Web UI write them),
// named `<workflowType>-<workflowId>.json`; histories carry no workflow id, and the workflows read
// theirs (the call id), so the name keeps it.
import fs from 'node:fs';
import path from 'node:path';
import type { Client, HistoryAndWorkflowId, WorkflowExecutionInfo } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

// The SDK's historyToJSON/historyFromJSON (@temporalio/common) fail here with "type must be a Type":
// npm installed two copies of protobufjs 8 (under @temporalio/common and @temporalio/proto), and
// protojson checks `instanceof Type` against its own copy. Using the protojson of the copy that
// built @temporalio/proto's types does the same conversion and works with or without the split.
const protojson: {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): History;
} = require(require.resolve('protobufjs/ext/protojson', { paths: [path.dirname(require.resolve('@temporalio/proto'))] }));
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

const historyToJSON = (history: History) =>
  JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
const historyFromJSON = (json: unknown) => protojson.fromJson(historyType, json, { ignoreUnknownFields: true });

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'histories');

export interface RecordedHistory extends HistoryAndWorkflowId {
  workflowType: string;
  file: string;
}

// Workflow types are identifiers (no '-'); ids are escaped so any id makes one safe file name,
// '.' included so a `.<n>` suffix for a second run of the same id stays unambiguous.
const escapeId = (id: string) => encodeURIComponent(id).replace(/\./g, '%2E');

function fileName(dir: string, workflowType: string, workflowId: string): string {
  const base = `${workflowType}-${escapeId(workflowId)}`;
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${base}.json` : `${base}.${n}.json`;
    if (!fs.existsSync(path.join(dir, name))) return name;
  }
}

export function readHistories(dir = HISTORIES_DIR): RecordedHistory[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => {
      const match = /^([^-]+)-(.+?)(?:\.\d+)?\.json$/.exec(file);
      if (!match) throw new Error(`${file}: not <workflowType>-<workflowId>.json`);
      const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
      return { file, workflowType: match[1], workflowId: decodeURIComponent(match[2]), history };
    });
}

/** What a history exercises: its events in order, with the activity, signal, update and timer names. */
function shapeOf(history: History): string {
  return (history.events ?? [])
    .map((e) => {
      const name =
        e.activityTaskScheduledEventAttributes?.activityType?.name ??
        e.workflowExecutionSignaledEventAttributes?.signalName ??
        e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
        e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ??
        '';
      return `${e.eventType}:${name}`;
    })
    .join(',');
}

/**
 * With RECORD_HISTORIES=<dir> set, writes the history of every closed workflow on the server to
 * <dir>, one per distinct shape (completed runs first), so the set covers each path once and stays
 * small. Called from the harness's stop, while the server still runs. A failure fails the test
 * file (exit code) without stopping the cleanup that follows.
 */
export async function recordHistories(client: Client | undefined): Promise<void> {
  const dir = process.env.RECORD_HISTORIES;
  if (!dir || !client) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
    const closed: WorkflowExecutionInfo[] = [];
    for await (const info of client.workflow.list()) if (info.status.name !== 'RUNNING') closed.push(info);
    closed.sort((a, b) => Number(b.status.name === 'COMPLETED') - Number(a.status.name === 'COMPLETED'));
    const seen = new Set<string>();
    for (const info of closed) {
      const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
      const shape = `${info.type}|${shapeOf(history)}`;
      if (seen.has(shape)) continue;
      seen.add(shape);
      fs.writeFileSync(path.join(dir, fileName(dir, info.type, info.workflowId)), historyToJSON(history) + '\n');
    }
  } catch (err) {
    console.error('recording workflow histories failed:', err);
    process.exitCode = 1;
  }
}
