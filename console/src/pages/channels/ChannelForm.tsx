// Create or edit a channel: the fields of its type; secret fields are write-only ("set" + Replace, never shown).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import { CHANNEL_TYPES, type ChannelType } from "../../components/config/common";
import { ApiError, BUTTON, ErrorNote, Field, fieldError, INPUT, must, otherErrors, PRIMARY } from "../../components/config/ui";
import { CHANNEL_FIELDS, configBody, draftFrom, isSet, type ChannelField, type Draft } from "./channelTypes";

export type ChannelOut = components["schemas"]["ChannelOut"];
export const CHANNELS_KEY = ["channels"] as const;

function SecretInput({
  field,
  stored,
  value,
  onChange,
  props,
}: {
  field: ChannelField;
  stored: boolean;
  value: string | undefined;
  onChange: (v: string | undefined) => void;
  props: { id: string; "aria-invalid": boolean; "aria-describedby"?: string };
}) {
  if (stored && value === undefined) {
    return (
      <div className="flex items-center gap-2">
        <output id={props.id} className="text-sm" aria-describedby={props["aria-describedby"]}>
          set (hidden)
        </output>
        <button type="button" className={BUTTON} onClick={() => onChange("")} aria-label={`Replace ${field.label}`}>
          Replace
        </button>
      </div>
    );
  }
  const input =
    field.kind === "textarea" || field.kind === "map" ? (
      <textarea {...props} rows={3} className={`${INPUT} font-mono`} value={value ?? ""} onChange={(e) => onChange(e.target.value)} />
    ) : (
      <input
        {...props}
        type={field.name === "url" || field.name.endsWith("_url") ? "text" : "password"}
        autoComplete="off"
        className={INPUT}
        value={value ?? ""}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  return (
    <div className="flex items-start gap-2">
      <div className="min-w-0 flex-1">{input}</div>
      {stored && (
        <button type="button" className={BUTTON} onClick={() => onChange(undefined)} aria-label={`Keep the stored ${field.label}`}>
          Keep
        </button>
      )}
    </div>
  );
}

function ConfigField({
  field,
  draft,
  setDraft,
  stored,
  error,
}: {
  field: ChannelField;
  draft: Draft;
  setDraft: (d: Draft) => void;
  stored: Record<string, unknown> | undefined;
  error?: string;
}) {
  const value = draft[field.name];
  const set = (v: string | undefined) => {
    const rest = Object.fromEntries(Object.entries(draft).filter(([k]) => k !== field.name));
    setDraft(v === undefined ? rest : { ...rest, [field.name]: v });
  };
  if (field.kind === "bool") {
    return (
      <div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={value !== "false"} onChange={(e) => set(e.target.checked ? "true" : "false")} />
          {field.label}
        </label>
        {error && <p className="text-xs text-red-700 dark:text-red-400">{error}</p>}
      </div>
    );
  }
  const label = field.required ? `${field.label} (required)` : field.label;
  return (
    <Field label={label} error={error} hint={field.hint}>
      {(p) => {
        if (field.secret && field.kind !== "map") {
          return <SecretInput field={field} stored={isSet(stored, field.name)} value={value} onChange={set} props={p} />;
        }
        if (field.kind === "select") {
          return (
            <select {...p} className={INPUT} value={value ?? field.options?.[0] ?? ""} onChange={(e) => set(e.target.value)}>
              {field.options?.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          );
        }
        if (field.kind === "list" || field.kind === "map" || field.kind === "textarea") {
          return (
            <textarea {...p} rows={3} className={`${INPUT} font-mono`} value={value ?? ""} onChange={(e) => set(e.target.value)} />
          );
        }
        return (
          <input
            {...p}
            inputMode={field.kind === "number" ? "decimal" : undefined}
            className={INPUT}
            value={value ?? ""}
            onChange={(e) => set(e.target.value)}
          />
        );
      }}
    </Field>
  );
}

/** The form; `channel` given: edit it (PUT, secrets not replaced are kept), else create. */
export function ChannelForm({ channel, onSaved }: { channel?: ChannelOut; onSaved: (saved: ChannelOut) => void }) {
  const client = useQueryClient();
  const [name, setName] = useState(channel?.name ?? "");
  const [type, setType] = useState<ChannelType>((channel?.type as ChannelType | undefined) ?? "webhook");
  const [isDefault, setIsDefault] = useState(channel?.is_default ?? false);
  const [draft, setDraft] = useState<Draft>(() =>
    channel ? draftFrom(channel.type as ChannelType, channel.config) : draftFrom("webhook", {}),
  );
  const save = useMutation({
    mutationFn: async () => {
      const body = { name, type, is_default: isDefault, config: configBody(type, draft) };
      return channel
        ? must(await api.PUT("/api/v1/channels/{channel_id}", { params: { path: { channel_id: channel.id } }, body }))
        : must(await api.POST("/api/v1/channels", { body }));
    },
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: CHANNELS_KEY });
      onSaved(saved);
    },
  });
  // Secrets stay stored only while the type stays the same (the API drops them on a change of type).
  const stored = channel && channel.type === type ? channel.config : undefined;
  const fields = CHANNEL_FIELDS[type].filter((f) => !f.when || (draft[f.when.field] ?? "fcm") === f.when.value);
  const err = (f: string) => fieldError(save.error, f);
  // `config.url`, a field inside it (`config.headers.X-Key`), or a group (`config.bot_token/webhook_url`).
  const configError = (f: ChannelField) => fieldError(save.error, `config.${f.name}`, false) ?? groupError(f.name);
  const groupError = (name: string) =>
    save.error instanceof ApiError
      ? Object.entries(save.error.fields).find(([k]) => k.startsWith("config.") && k.slice(7).split("/").includes(name))?.[1]
      : undefined;
  const shown = (f: string) =>
    ["name", "type", "is_default"].includes(f) ||
    fields.some((c) => f === `config.${c.name}` || f.startsWith(`config.${c.name}.`) || f.slice(7).split("/").includes(c.name));
  return (
    <form
      className="flex max-w-xl flex-col gap-3"
      aria-label={channel ? "Edit channel" : "New channel"}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Field label="Name" error={err("name")}>
        {(p) => <input {...p} className={INPUT} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field
        label="Type"
        error={err("type")}
        hint={channel && channel.type !== type ? "Changing the type drops the stored secrets." : undefined}
      >
        {(p) => (
          <select
            {...p}
            className={INPUT}
            value={type}
            onChange={(e) => {
              const next = e.target.value as ChannelType;
              setType(next);
              setDraft(draftFrom(next, channel && channel.type === next ? channel.config : {}));
            }}
          >
            {CHANNEL_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        )}
      </Field>
      <fieldset className="flex min-w-0 flex-col gap-3 rounded border border-slate-300 p-3 dark:border-slate-700">
        <legend className="px-1 text-sm font-medium">{type} settings</legend>
        {fields.map((f) => (
          <ConfigField key={`${type}-${f.name}`} field={f} draft={draft} setDraft={setDraft} stored={stored} error={configError(f)} />
        ))}
      </fieldset>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} />
        Default channel (notified for alerts that name no channel)
      </label>
      {otherErrors(save.error, shown).map((m) => (
        <p key={m} className="text-sm text-red-700 dark:text-red-400">
          {m}
        </p>
      ))}
      <ErrorNote error={save.error} />
      <button type="submit" className={`${PRIMARY} self-start`} disabled={save.isPending}>
        {save.isPending ? "Saving…" : "Save channel"}
      </button>
    </form>
  );
}
