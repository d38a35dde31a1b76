/** An error the gateway answers with a status code and a JSON body { error, message }. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Sent as Retry-After: the caller should try the same request again after this long. */
    readonly retryAfterSeconds?: number,
    /** More fields for the JSON body, e.g. the lifecycle state a conflicting request met. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
