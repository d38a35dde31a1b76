// Reading a call's workflow history in a test: the order in which its messages arrived.
import type { Client } from '@temporalio/client';

/** The signals a workflow took after the update of that id, by name, in order ([] before the update). */
export async function signalsAfter(client: Client, workflowId: string, updateId: string): Promise<string[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const at = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === updateId);
  if (at < 0) return [];
  return events.slice(at).flatMap((e) => (e.workflowExecutionSignaledEventAttributes?.signalName ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
}
