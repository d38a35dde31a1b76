// Which failures of a Temporal client call mean "not now" rather than "no": the gateway answers
// those 503 with Retry-After, so a provider retries instead of giving up on the call.
import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { HttpError } from '../lib/http-error';

/** The gRPC status codes involved (grpc-js is not our dependency, so its enum is not imported). */
const grpcStatus = { DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;

/** Temporal (or the call's worker) did not answer within our deadline. */
const RETRY_LATER_SECONDS = 2;
/** Temporal cannot be reached at all. */
const UNAVAILABLE_SECONDS = 5;

function grpcCodes(err: unknown): number[] {
  const codes: number[] = [];
  for (let e = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (isGrpcServiceError(e)) codes.push(e.code);
  }
  return codes;
}

/** The 503 to answer for a Temporal failure that may pass, or undefined for any other error. */
export function temporalRetryLater(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return undefined;
  const codes = grpcCodes(err);
  // A connection that never came up fails with grpc-js's own "Failed to connect before the deadline".
  const noConnection = err instanceof Error && /Failed to connect before the deadline/.test(err.message);
  if (codes.includes(grpcStatus.UNAVAILABLE) || noConnection) {
    return new HttpError(503, 'temporal_unavailable', 'the call service is unavailable; retry later', UNAVAILABLE_SECONDS);
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || codes.includes(grpcStatus.DEADLINE_EXCEEDED) || codes.includes(grpcStatus.RESOURCE_EXHAUSTED)) {
    return new HttpError(503, 'retry_later', 'the call did not answer in time; retry later', RETRY_LATER_SECONDS);
  }
  return undefined;
}
