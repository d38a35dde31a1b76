// The calls task queue: call workflows plus telephony, persistence and Jupiter activities.
import { type NativeConnection, Worker } from '@temporalio/worker';
import * as activities from '../activities';
import { loadConfig } from '../lib/config';
import { dataConverter } from '../lib/data-converter';
import { logger } from '../lib/logger';
import { startTracing, tracingWorkerOptions } from '../lib/tracing';

export async function createCallsWorker(connection: NativeConnection): Promise<Worker> {
  const config = loadConfig();
  const tracing = startTracing('calls-worker');
  // Tests bundle once and share it; traced workflows need the interceptors bundled in, so tracing bundles here.
  const bundlePath = tracing ? undefined : process.env.WORKFLOW_BUNDLE_PATH;
  if (tracing && process.env.WORKFLOW_BUNDLE_PATH) logger.info('tracing on: bundling the workflows with their interceptors instead of WORKFLOW_BUNDLE_PATH');
  return Worker.create({
    ...tracingWorkerOptions(tracing),
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: dataConverter(), // payloads are encrypted in histories
    taskQueue: config.CALLS_TASK_QUEUE,
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: require.resolve('../workflows') }),
    activities,
    // Hundreds of calls mostly wait on timers and signals; give them room in the cache.
    maxCachedWorkflows: 2000,
    maxConcurrentWorkflowTaskExecutions: 100,
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentLocalActivityExecutions: 200,
  });
}
