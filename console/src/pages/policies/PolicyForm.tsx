// Create or edit an escalation policy: levels of targets (people, schedules, teams, channels, managers) each with its
// wait for an acknowledgement, passes repeated, and the acknowledgement timeout. The API's 422 lands on its field.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import { POLICIES_KEY, type Lookups } from "../../components/config/lookups";
import { BUTTON, ErrorNote, Field, fieldError, INPUT, must, otherErrors, PRIMARY } from "../../components/config/ui";

export type PolicyIn = components["schemas"]["PolicyIn"];
export type PolicyOut = components["schemas"]["PolicyOut"];
export type Target = components["schemas"]["TargetIn"];
export type TargetType = Target["type"];
export const TARGET_TYPES: TargetType[] = ["user", "schedule", "team", "channel", "manager"];

export const EMPTY_POLICY: PolicyIn = {
  name: "",
  description: "",
  levels: [{ targets: [{ type: "user", id: "" }], delay_minutes: 5 }],
  repeat: 0,
  ack_timeout_minutes: null,
};

/** What the form holds: numbers as typed text, so the API (not the browser) names a bad one. */
interface Draft {
  name: string;
  description: string;
  levels: { targets: Target[]; delay: string }[];
  repeat: string;
  ackTimeout: string;
}

export function draftOf(p: PolicyIn): Draft {
  return {
    name: p.name,
    description: p.description ?? "",
    levels: p.levels.map((l) => ({ targets: l.targets.map((t) => ({ ...t })), delay: String(l.delay_minutes) })),
    repeat: String(p.repeat ?? 0),
    ackTimeout: p.ack_timeout_minutes ? String(p.ack_timeout_minutes) : "",
  };
}

function num(text: string): number {
  return text.trim() === "" ? Number.NaN : Number(text);
}

/** The PUT/POST body. A number that does not parse is sent as the text (the API answers 422 naming the field). */
export function bodyOf(d: Draft): PolicyIn {
  const n = (text: string) => (Number.isFinite(num(text)) ? num(text) : (text as unknown as number));
  return {
    name: d.name,
    description: d.description,
    levels: d.levels.map((l) => ({
      delay_minutes: n(l.delay),
      targets: l.targets.map((t) => (t.type === "manager" ? { type: "manager" } : { type: t.type, id: t.id ?? "" })),
    })),
    repeat: d.repeat.trim() === "" ? 0 : n(d.repeat),
    ack_timeout_minutes: d.ackTimeout.trim() === "" ? null : n(d.ackTimeout),
  };
}

function TargetRow({
  target,
  where,
  lookups,
  error,
  onChange,
  onRemove,
}: {
  target: Target;
  where: string;
  lookups: Lookups;
  error?: string;
  onChange: (t: Target) => void;
  onRemove?: () => void;
}) {
  const choices = target.type === "manager" ? [] : lookups.lists[target.type];
  return (
    <li className="flex flex-col gap-1">
      <div className="flex flex-wrap items-end gap-2">
        <Field label={`${where} type`}>
          {(p) => (
            <select
              {...p}
              className={INPUT}
              value={target.type}
              onChange={(e) => {
                const type = e.target.value as TargetType;
                onChange(type === "manager" ? { type } : { type, id: "" });
              }}
            >
              {TARGET_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          )}
        </Field>
        {target.type !== "manager" && (
          <div className="min-w-40 flex-1">
            <Field label={`${where} ${target.type}`} error={error}>
              {(p) => (
                <select {...p} className={INPUT} value={target.id ?? ""} onChange={(e) => onChange({ ...target, id: e.target.value })}>
                  <option value="">— choose —</option>
                  {choices.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                  {target.id && !choices.some((c) => c.id === target.id) && <option value={target.id}>{target.id}</option>}
                </select>
              )}
            </Field>
          </div>
        )}
        {onRemove && (
          <button type="button" className={BUTTON} onClick={onRemove} aria-label={`Remove ${where}`}>
            Remove
          </button>
        )}
      </div>
      {target.type === "manager" && (
        <p className="text-xs text-slate-600 dark:text-slate-400">The managers of the people the previous level paged.</p>
      )}
      {target.type === "manager" && error && <p className="text-xs text-red-700 dark:text-red-400">{error}</p>}
    </li>
  );
}

export function PolicyForm({
  initial,
  policyId,
  lookups,
  onSaved,
}: {
  initial: PolicyIn;
  policyId?: string;
  lookups: Lookups;
  onSaved: (p: PolicyOut) => void;
}) {
  const client = useQueryClient();
  const [d, setD] = useState<Draft>(() => draftOf(initial));
  const save = useMutation({
    mutationFn: async (body: PolicyIn) =>
      policyId
        ? must(
            await api.PUT("/api/v1/escalation-policies/{policy_id}", { params: { path: { policy_id: policyId } }, body }),
          )
        : must(await api.POST("/api/v1/escalation-policies", { body })),
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: POLICIES_KEY });
      onSaved(saved);
    },
  });
  const err = (f: string) => fieldError(save.error, f);
  const setLevel = (i: number, level: Draft["levels"][number]) =>
    setD({ ...d, levels: d.levels.map((l, k) => (k === i ? level : l)) });
  const shown = (f: string) =>
    ["name", "description", "repeat", "ack_timeout_minutes", "levels"].includes(f) ||
    /^levels\.\d+(\.delay_minutes|\.targets(\.\d+(\.id)?)?)?$/.test(f);
  return (
    <form
      className="flex max-w-2xl flex-col gap-3"
      aria-label={policyId ? "Edit escalation policy" : "New escalation policy"}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(bodyOf(d));
      }}
    >
      <Field label="Name" error={err("name")}>
        {(p) => <input {...p} className={INPUT} value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} />}
      </Field>
      <Field label="Description" error={err("description")}>
        {(p) => <input {...p} className={INPUT} value={d.description} onChange={(e) => setD({ ...d, description: e.target.value })} />}
      </Field>
      <ol className="flex flex-col gap-3">
        {d.levels.map((level, i) => (
          <li key={i} className="rounded border border-slate-300 p-3 dark:border-slate-700">
            <fieldset className="flex min-w-0 flex-col gap-2">
              <legend className="text-sm font-semibold">Level {i + 1}</legend>
              <ul className="flex flex-col gap-2">
                {level.targets.map((t, j) => (
                  <TargetRow
                    key={j}
                    target={t}
                    where={`Level ${i + 1} target ${j + 1}`}
                    lookups={lookups}
                    error={err(`levels.${i}.targets.${j}.id`) ?? err(`levels.${i}.targets.${j}`)}
                    onChange={(next) => setLevel(i, { ...level, targets: level.targets.map((x, k) => (k === j ? next : x)) })}
                    onRemove={
                      level.targets.length > 1
                        ? () => setLevel(i, { ...level, targets: level.targets.filter((_, k) => k !== j) })
                        : undefined
                    }
                  />
                ))}
              </ul>
              {err(`levels.${i}.targets`) && (
                <p className="text-xs text-red-700 dark:text-red-400">{err(`levels.${i}.targets`)}</p>
              )}
              <button
                type="button"
                className={`${BUTTON} self-start`}
                onClick={() => setLevel(i, { ...level, targets: [...level.targets, { type: "user", id: "" }] })}
              >
                Add a target to level {i + 1}
              </button>
              <div className="max-w-48">
                <Field
                  label={`Level ${i + 1}: wait (minutes)`}
                  hint="For an acknowledgement before the next level"
                  error={err(`levels.${i}.delay_minutes`)}
                >
                  {(p) => (
                    <input {...p} inputMode="numeric" className={INPUT} value={level.delay} onChange={(e) => setLevel(i, { ...level, delay: e.target.value })} />
                  )}
                </Field>
              </div>
              {d.levels.length > 1 && (
                <button
                  type="button"
                  className={`${BUTTON} self-start`}
                  onClick={() => setD({ ...d, levels: d.levels.filter((_, k) => k !== i) })}
                >
                  Remove level {i + 1}
                </button>
              )}
            </fieldset>
          </li>
        ))}
      </ol>
      {err("levels") && (
        <p className="text-sm text-red-700 dark:text-red-400">{err("levels")}</p>
      )}
      <button
        type="button"
        className={`${BUTTON} self-start`}
        onClick={() => setD({ ...d, levels: [...d.levels, { targets: [{ type: "user", id: "" }], delay: "10" }] })}
      >
        Add a level
      </button>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Repeat (extra passes)" hint="Over the whole ladder while nobody acknowledges (0–10)" error={err("repeat")}>
          {(p) => <input {...p} inputMode="numeric" className={INPUT} value={d.repeat} onChange={(e) => setD({ ...d, repeat: e.target.value })} />}
        </Field>
        <Field
          label="Acknowledgement timeout (minutes)"
          hint="Empty: none. An acknowledged, unresolved alert re-triggers after this long"
          error={err("ack_timeout_minutes")}
        >
          {(p) => (
            <input {...p} inputMode="numeric" className={INPUT} value={d.ackTimeout} onChange={(e) => setD({ ...d, ackTimeout: e.target.value })} />
          )}
        </Field>
      </div>
      {otherErrors(save.error, shown).map((m) => (
        <p key={m} className="text-sm text-red-700 dark:text-red-400">
          {m}
        </p>
      ))}
      <ErrorNote error={save.error} />
      <p className="text-xs text-slate-600 dark:text-slate-400">
        Changes apply to alerts that start after them; open alerts keep the policy they started with.
      </p>
      <button type="submit" className={`${PRIMARY} self-start`} disabled={save.isPending}>
        {save.isPending ? "Saving…" : "Save policy"}
      </button>
    </form>
  );
}
