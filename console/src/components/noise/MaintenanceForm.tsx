import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorText } from "../../api/client";
import { endsAt } from "../../noise/durations";
import { ApiError, fieldErrors } from "../../noise/errors";
import type { MatcherRow } from "../../noise/matchers";
import { localTime } from "../../time";
import { MatcherEditor } from "./MatcherEditor";
import { fromLocalInput } from "./MoreFilters";
import { matcherTexts } from "./SilenceForm";
import { WindowTimes, type EndChoice } from "./WindowTimes";

export const MAINTENANCE_KEY = ["maintenance-windows"] as const;
const FIELDS = ["matchers", "starts_at", "ends_at", "reason"] as const;

/** A new maintenance window: the alerts it holds back (none: all), when, and why. */
export function MaintenanceForm({ onCreated }: { onCreated: () => void }) {
  const client = useQueryClient();
  const [rows, setRows] = useState<MatcherRow[]>([]);
  const [starts, setStarts] = useState("");
  const [end, setEnd] = useState<EndChoice>({ minutes: 120 });
  const [reason, setReason] = useState("");
  const startsIso = fromLocalInput(starts);
  const ends = endsAt(end, startsIso);
  const create = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST("/api/v1/maintenance-windows", {
        body: {
          matchers: matcherTexts(rows),
          ...(startsIso ? { starts_at: startsIso } : {}),
          ends_at: endsAt(end, startsIso) ?? "",
          reason: reason.trim(),
        },
      });
      if (!data) throw new ApiError(errorText(error), error);
      return data;
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: MAINTENANCE_KEY });
      setRows([]);
      setReason("");
      onCreated();
    },
  });
  const errors = create.error instanceof ApiError ? fieldErrors(create.error.body, FIELDS) : {};
  const problem = !reason.trim() ? "Say why in the reason." : !ends ? "Choose when it ends." : "";
  return (
    <form
      className="flex max-w-3xl flex-col gap-4 rounded border border-slate-300 p-3 dark:border-slate-700"
      aria-labelledby="maintenance-form-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (!problem) create.mutate();
      }}
    >
      <h2 id="maintenance-form-title" className="text-lg font-semibold">
        New maintenance window
      </h2>
      <MatcherEditor rows={rows} onChange={setRows} error={errors.matchers} emptyMeans="every alert of the tenant" />
      <WindowTimes
        starts={starts}
        onStarts={setStarts}
        end={end}
        onEnd={setEnd}
        errors={errors}
        preview={ends ? localTime(ends) : undefined}
      />
      <label className="flex flex-col gap-0.5 text-sm">
        Reason (required)
        <textarea
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          required
          maxLength={1000}
          rows={2}
          placeholder="A planned migration, a data-centre move"
          aria-invalid={Boolean(errors.reason)}
          className="rounded border border-slate-400 bg-white px-2 py-1.5 dark:border-slate-600 dark:bg-slate-900"
        />
        {errors.reason && <span className="text-red-700 dark:text-red-400">{errors.reason}</span>}
      </label>
      {(errors[""] || (create.isError && !Object.keys(errors).length)) && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {errors[""] ?? create.error?.message}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="submit"
          disabled={Boolean(problem) || create.isPending}
          className="rounded bg-blue-700 px-4 py-2 text-sm font-medium text-white disabled:opacity-40"
        >
          {create.isPending ? "Creating…" : "Create window"}
        </button>
        {problem && <span className="text-sm text-slate-700 dark:text-slate-300">{problem}</span>}
      </div>
    </form>
  );
}
