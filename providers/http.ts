// What every provider's REST client shares: Basic-auth JSON requests with a timeout, and the
// rule for which failures are worth retrying.
import { ApplicationFailure } from '@temporalio/common';
import { isFinalHttpFailure } from '../lib/http-status';

export function basicAuth(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

/** Sends a request; a network failure or timeout becomes a retryable activity failure. */
export async function providerRequest(provider: string, url: string, authorization: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, headers: { Authorization: authorization, Accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw ApplicationFailure.retryable(`${provider} unreachable: ${(err as Error).message}`, 'ProviderUnavailable');
  }
}

/** Auth, billing and bad-number errors will not fix themselves; rate limits and 5xx will. */
export function providerFailure(status: number, message: string): ApplicationFailure {
  if (!isFinalHttpFailure(status)) return ApplicationFailure.retryable(message, status === 429 ? 'ProviderRateLimited' : 'ProviderUnavailable');
  if (status === 401 || status === 403) return ApplicationFailure.nonRetryable(message, 'ProviderAuth');
  if (status === 402) return ApplicationFailure.nonRetryable(message, 'ProviderBilling');
  return ApplicationFailure.nonRetryable(message, 'ProviderRejected'); // 400 invalid number, 404, ...
}
