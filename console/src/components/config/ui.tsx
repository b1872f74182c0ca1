// What the configuration sections (policies and routing, channels, templates) share: the API's refusals as a
// value (422 field errors, 409 used_by, 412 stale versions), labelled fields that show their own error, and the
// delete button that says what still uses a row.
import { useMutation } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";

/** An API refusal, kept whole: `fields` maps each 422 field (`levels.0.delay_minutes`) to its message. */
export class ApiError extends Error {
  readonly status: number;
  readonly fields: Record<string, string>;
  readonly usedBy: string[];

  constructor(status: number, body: unknown, fallback = "the request failed") {
    const b = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
    super(typeof b.detail === "string" ? b.detail : `${fallback} (HTTP ${status})`);
    this.status = status;
    this.fields = {};
    if (Array.isArray(b.errors)) {
      for (const e of b.errors as { field?: unknown; message?: unknown }[]) {
        if (typeof e.field === "string" && typeof e.message === "string" && !(e.field in this.fields)) {
          this.fields[e.field] = e.message;
        }
      }
    }
    this.usedBy = Array.isArray(b.used_by) ? b.used_by.filter((u): u is string => typeof u === "string") : [];
  }
}

/** The data of an openapi-fetch answer, or an ApiError thrown with the whole refusal. */
export function must<T>(answer: { data?: T; error?: unknown; response: Response }, fallback?: string): T {
  if (answer.data === undefined || !answer.response.ok) throw new ApiError(answer.response.status, answer.error, fallback);
  return answer.data;
}

/** For a 204: nothing, or an ApiError. */
export function mustOk(answer: { error?: unknown; response: Response }, fallback?: string): void {
  if (!answer.response.ok) throw new ApiError(answer.response.status, answer.error, fallback);
}

/** The message the API gave for `field` (exactly, or for a field inside it: `config` holds `config.url`). */
export function fieldError(error: unknown, field: string, exact = true): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (field in error.fields) return error.fields[field];
  if (exact) return undefined;
  const inside = Object.keys(error.fields).find((f) => f.startsWith(field + "."));
  return inside ? `${inside.slice(field.length + 1)}: ${error.fields[inside]}` : undefined;
}

/** The 422 errors no field on the form shows (so none is ever lost). */
export function otherErrors(error: unknown, shown: (field: string) => boolean): string[] {
  if (!(error instanceof ApiError)) return [];
  return Object.entries(error.fields)
    .filter(([f]) => !shown(f))
    .map(([f, m]) => `${f}: ${m}`);
}

export const INPUT =
  "w-full rounded border border-slate-400 bg-white px-2 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900 " +
  "aria-[invalid=true]:border-red-700 dark:aria-[invalid=true]:border-red-400";
export const BUTTON =
  "rounded border border-slate-400 px-3 py-1.5 text-sm font-medium disabled:opacity-40 dark:border-slate-600";
export const PRIMARY =
  "rounded bg-blue-700 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-40 dark:bg-blue-500 dark:text-slate-950";
export const DANGER =
  "rounded border border-red-700 px-3 py-1.5 text-sm font-medium text-red-800 disabled:opacity-40 dark:border-red-400 dark:text-red-300";
export const MUTED = "text-sm text-slate-600 dark:text-slate-400";
export const LINK = "text-blue-700 underline dark:text-blue-300";

export { Field } from "../Field"; // one labelled control for every form of the console

/** A failed request in words (and, for a 409 delete, what still uses the row). */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const usedBy = error instanceof ApiError ? error.usedBy : [];
  return (
    <div role="alert" className="text-sm text-red-700 dark:text-red-400">
      <p>{message}</p>
      {usedBy.length > 0 && (
        <>
          <p>Still used by:</p>
          <ul className="list-disc pl-5">
            {usedBy.map((u) => (
              <li key={u}>{u}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** Delete after a confirmation; a refusal (409: still used) is shown in words with what uses it. */
export function DeleteButton({
  what,
  onDelete,
  onDeleted,
}: {
  what: string;
  onDelete: () => Promise<void>;
  onDeleted: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const remove = useMutation({ mutationFn: onDelete, onSuccess: onDeleted });
  return (
    <div className="flex flex-col gap-1">
      {asking ? (
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-sm">Delete {what}?</span>
          <button type="button" className={DANGER} disabled={remove.isPending} onClick={() => remove.mutate()}>
            Yes, delete
          </button>
          <button type="button" className={BUTTON} onClick={() => setAsking(false)}>
            Keep it
          </button>
        </div>
      ) : (
        <button type="button" className={`${DANGER} self-start`} onClick={() => setAsking(true)}>
          Delete
        </button>
      )}
      <ErrorNote error={remove.error} />
    </div>
  );
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-3 flex flex-wrap items-center gap-2">
      <h1 id="page-title" className="mr-auto text-xl font-semibold break-words">
        {children}
      </h1>
      {actions}
    </div>
  );
}

/** Loading, failure, or the data. */
export function Loaded<T>({
  query,
  children,
}: {
  query: { isPending: boolean; isError: boolean; error: Error | null; data: T | undefined };
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <p className={MUTED}>Loading…</p>;
  if (query.isError || query.data === undefined) return <ErrorNote error={query.error ?? "not found"} />;
  return <>{children(query.data)}</>;
}

/** Text list fields ("a, b" or one per line) as a list; and back. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
