// Secrets can hide inside strings a log line carries (a webhook path holds Exotel's secret, an
// error message may quote a URL); pino's path redaction only replaces whole fields. This keeps
// the configured secret values and cuts them out of any text, in each form they travel in.
const MIN_LENGTH = 6; // shorter values (an empty token, a user name like "exotel") are not secrets worth hunting
const CENSOR = '[redacted]';

let secrets: string[] = [];

/** Adds secret values (as configured) to hide; called by loadConfig. */
export function registerSecrets(values: readonly (string | undefined)[]): void {
  const forms = new Set(secrets);
  for (const value of values) {
    if (!value || value.length < MIN_LENGTH) continue;
    forms.add(value);
    forms.add(encodeURIComponent(value)); // in a URL path or query
    forms.add(JSON.stringify(value).slice(1, -1)); // inside a JSON string (a serialized log line)
  }
  secrets = [...forms].sort((a, b) => b.length - a.length); // longest first: no half-replaced forms
}

/** The text with every registered secret replaced; use it on any path or URL that is logged. */
export function redactSecrets(text: string): string {
  for (const secret of secrets) if (text.includes(secret)) text = text.split(secret).join(CENSOR);
  return text;
}
