// The one rule for which HTTP failures from an outside service are worth retrying.

/**
 * A 4xx (bad request, auth, billing, not found) will not fix itself, except 429 (rate limited),
 * which clears with time; 5xx and no answer at all (status 0) may succeed next time.
 */
export function isFinalHttpFailure(status: number): boolean {
  return status >= 400 && status < 500 && status !== 429;
}
