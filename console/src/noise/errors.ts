// The API's 422 answer, per field: `{"detail": "...", "errors": [{"field": "ends_at", "message": "..."}]}`.

/** Each named field's message (the first per field); fields the form does not show go under "". */
export function fieldErrors(error: unknown, known: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  if (!error || typeof error !== "object" || !("errors" in error)) return found;
  const errors = (error as { errors: unknown }).errors;
  if (!Array.isArray(errors)) return found;
  for (const item of errors) {
    if (!item || typeof item !== "object") continue;
    const { field, message } = item as { field?: unknown; message?: unknown };
    if (typeof message !== "string") continue;
    const name = typeof field === "string" ? (known.find((k) => field === k || field.startsWith(`${k}.`)) ?? "") : "";
    found[name] ??= name ? message : `${String(field)}: ${message}`;
  }
  return found;
}

/** An Error carrying the API's answer, so a form can read its fields. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}
