// A 422's field errors for forms: the API names each bad field (`errors[].field`: "threshold", "labels.env",
// "layers.0.start"); a form shows each message beside its control.
import { errorText } from "../../api/client";

/** Messages by field name, as the API's 422 `errors` name them. */
export type FieldErrors = Record<string, string>;

/** An API error in words, with the fields a 422 named (empty for other errors). */
export class ApiError extends Error {
  readonly fields: FieldErrors;
  constructor(error: unknown, fallback = "the request failed") {
    super(errorText(error, fallback));
    this.name = "ApiError";
    this.fields = fieldErrors(error);
  }
}

/** The `errors` of an API error body by field; a field named twice keeps both messages. */
export function fieldErrors(error: unknown): FieldErrors {
  const out: FieldErrors = {};
  if (!error || typeof error !== "object" || !("errors" in error)) return out;
  const errors = (error as { errors: unknown }).errors;
  if (!Array.isArray(errors)) return out;
  for (const item of errors as unknown[]) {
    if (!item || typeof item !== "object") continue;
    const { field, message } = item as { field?: unknown; message?: unknown };
    if (typeof field !== "string" || typeof message !== "string") continue;
    out[field] = out[field] ? `${out[field]}; ${message}` : message;
  }
  return out;
}

/** The message for a control: its own field, or any nested one ("labels" shows "labels.env: ..."). */
export function messageFor(errors: FieldErrors, field: string): string | undefined {
  const own = errors[field];
  const nested = Object.entries(errors)
    .filter(([name]) => name.startsWith(`${field}.`))
    .map(([name, message]) => `${name.slice(field.length + 1)}: ${message}`);
  const all = [...(own ? [own] : []), ...nested];
  return all.length ? all.join("; ") : undefined;
}

/** The fields no control of the form shows (they are listed above the form so that none is lost). */
export function otherErrors(errors: FieldErrors, shown: readonly string[]): [string, string][] {
  return Object.entries(errors).filter(
    ([name]) => !shown.some((field) => name === field || name.startsWith(`${field}.`)),
  );
}
