import { useState, type FormEvent } from "react";
import type { components } from "../../api/schema";
import { Field, INPUT } from "../../components/Field";
import { ApiError, messageFor } from "../rules/fieldErrors";
import { useCreateOverride } from "./queries";
import { fromLocalInput, toLocalInput } from "./timeline";

type UserOut = components["schemas"]["UserOut"];

/** Put someone on call over a window (datetime-local values in the browser's zone); the API names bad fields. */
export function OverrideForm({
  scheduleId,
  users,
  initial,
}: {
  scheduleId: string;
  users: readonly UserOut[];
  initial: { start: Date; end: Date; userId?: string };
}) {
  const [userId, setUserId] = useState(initial.userId ?? "");
  const [start, setStart] = useState(toLocalInput(initial.start));
  const [end, setEnd] = useState(toLocalInput(initial.end));
  const create = useCreateOverride(scheduleId);
  const [local, setLocal] = useState<Record<string, string>>({});
  const errors = { ...(create.error instanceof ApiError ? create.error.fields : {}), ...local };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const body = { user_id: userId, start: fromLocalInput(start), end: fromLocalInput(end) };
    const missing: Record<string, string> = {};
    if (!body.user_id) missing.user_id = "choose who goes on call";
    if (!body.start) missing.start = "a date and time is needed";
    if (!body.end) missing.end = "a date and time is needed";
    setLocal(missing);
    if (Object.keys(missing).length || !body.start || !body.end) return;
    create.mutate({ user_id: body.user_id, start: body.start, end: body.end });
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Add an override" className="flex flex-col gap-3">
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Who" error={messageFor(errors, "user_id")}>
          {(p) => (
            <select {...p} className={INPUT} value={userId} onChange={(e) => setUserId(e.target.value)}>
              <option value="">Choose a person…</option>
              {users.map((user) => (
                <option key={user.id} value={user.id}>
                  {user.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="From" error={messageFor(errors, "start")}>
          {(p) => (
            <input {...p} type="datetime-local" className={INPUT} value={start} onChange={(e) => setStart(e.target.value)} />
          )}
        </Field>
        <Field label="To" error={messageFor(errors, "end")}>
          {(p) => (
            <input {...p} type="datetime-local" className={INPUT} value={end} onChange={(e) => setEnd(e.target.value)} />
          )}
        </Field>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="submit"
          disabled={create.isPending}
          className="rounded bg-blue-700 px-4 py-2 text-sm font-medium text-white disabled:opacity-50"
        >
          {create.isPending ? "Adding…" : "Add override"}
        </button>
        {create.isError && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            Not added: {create.error.message}
          </p>
        )}
        {create.isSuccess && !create.isPending && (
          <p role="status" className="text-sm">
            Override added.
          </p>
        )}
      </div>
    </form>
  );
}
