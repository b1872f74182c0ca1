import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorText } from "../../api/client";
import { ALERTS_KEY } from "../../live";
import { usePolicies, useUsers } from "./directory";

type Kind = "user" | "policy";

/** The fields a 422 names (`errors[].field`), to mark the control it is about. */
function badFields(error: unknown): string[] {
  if (error && typeof error === "object" && "errors" in error && Array.isArray(error.errors)) {
    return (error.errors as { field?: unknown }[]).map((e) => String(e.field ?? ""));
  }
  return [];
}

class ReassignError extends Error {
  constructor(
    message: string,
    readonly fields: string[],
  ) {
    super(message);
  }
}

/** Hand the alert to one person (a one-level policy paging them) or to another escalation policy; it restarts. */
export function Reassign({ alertId }: { alertId: string }) {
  const client = useQueryClient();
  const users = useUsers();
  const policies = usePolicies();
  const [kind, setKind] = useState<Kind>("user");
  const [target, setTarget] = useState("");
  const reassign = useMutation({
    mutationFn: async () => {
      const body = kind === "user" ? { user_id: target } : { policy_id: target };
      const { data, error } = await api.POST("/api/v1/alerts/{alert_id}/reassign", {
        params: { path: { alert_id: alertId } },
        body,
      });
      if (!data) throw new ReassignError(errorText(error), badFields(error));
      return data;
    },
    onSuccess: () => {
      setTarget("");
      void client.invalidateQueries({ queryKey: ["alert", alertId] });
      void client.invalidateQueries({ queryKey: ALERTS_KEY });
    },
  });
  const options = kind === "user" ? users : policies;
  const field = kind === "user" ? "user_id" : "policy_id";
  const invalid = reassign.error instanceof ReassignError && reassign.error.fields.includes(field);
  const control = "rounded border border-slate-400 bg-white px-2 py-2 text-sm dark:border-slate-600 dark:bg-slate-900";
  return (
    <form
      className="flex flex-col gap-2 text-sm"
      aria-label="Reassign"
      onSubmit={(e) => {
        e.preventDefault();
        if (target) reassign.mutate();
      }}
    >
      <fieldset className="flex flex-wrap gap-3">
        <legend className="sr-only">Reassign to</legend>
        {(["user", "policy"] as const).map((k) => (
          <label key={k} className="flex items-center gap-1">
            <input
              type="radio"
              name="reassign-kind"
              value={k}
              checked={kind === k}
              onChange={() => {
                setKind(k);
                setTarget("");
                reassign.reset();
              }}
            />
            {k === "user" ? "a person" : "an escalation policy"}
          </label>
        ))}
      </fieldset>
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
        <label htmlFor="reassign-target" className="sr-only">
          {kind === "user" ? "Person" : "Escalation policy"}
        </label>
        <select
          id="reassign-target"
          value={target}
          disabled={options.isPending}
          aria-invalid={invalid || undefined}
          aria-describedby={reassign.isError ? "reassign-error" : undefined}
          onChange={(e) => {
            setTarget(e.target.value);
            if (reassign.isError) reassign.reset();
          }}
          className={`${control} min-w-0 sm:w-64 ${invalid ? "border-red-700 dark:border-red-400" : ""}`}
        >
          <option value="">{options.isPending ? "Loading…" : kind === "user" ? "Choose a person" : "Choose a policy"}</option>
          {(options.data ?? []).map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
        <button
          type="submit"
          disabled={!target || reassign.isPending}
          className="rounded border border-slate-400 px-3 py-2 font-medium disabled:opacity-40 dark:border-slate-600"
        >
          Reassign
        </button>
      </div>
      {options.isError && <p role="alert">{options.error.message}</p>}
      {options.data?.length === 0 && (
        <p className="text-slate-600 dark:text-slate-400">
          No {kind === "user" ? "people" : "escalation policies"} in this tenant yet.
        </p>
      )}
      {reassign.isError && (
        <p id="reassign-error" role="alert" className="text-red-700 dark:text-red-400">
          {reassign.error.message}
        </p>
      )}
      {reassign.isSuccess && <p role="status">Reassigned: the escalation starts again from level 1.</p>}
    </form>
  );
}
