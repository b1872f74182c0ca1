// The rules section's server state (TanStack Query): rules, data sources, the dry run, and the writes.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import { ApiError } from "./fieldErrors";
import type { RuleIn, RuleOut } from "./draft";

export type RuleTestOut = components["schemas"]["RuleTestOut"];
export type EvaluateOut = components["schemas"]["EvaluateOut"];
export const RULES_KEY = ["rules"] as const;

export function useRules() {
  return useQuery({
    queryKey: RULES_KEY,
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/alerts/rules/");
      if (!data) throw new ApiError(error);
      return data;
    },
    refetchInterval: 30_000, // states change with each evaluation
  });
}

export function useRule(ruleId: string | undefined) {
  return useQuery({
    queryKey: [...RULES_KEY, ruleId],
    enabled: ruleId !== undefined,
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/alerts/rules/{rule_id}", {
        params: { path: { rule_id: ruleId ?? "" } },
      });
      if (!data) throw new ApiError(error);
      return data;
    },
  });
}

export function useDataSources() {
  return useQuery({
    queryKey: ["datasources"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/datasources");
      if (!data) throw new ApiError(error);
      return data;
    },
    staleTime: 60_000,
  });
}

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The dry run of an unsaved rule (`POST /alerts/rules/test`), keyed by the body: re-run when it changes. */
export function useDraftTest(body: RuleIn | null) {
  return useQuery({
    queryKey: [...RULES_KEY, "draft-test", body],
    enabled: body !== null,
    queryFn: async () => {
      const { data, error } = await api.POST("/api/v1/alerts/rules/test", { body: body as RuleIn });
      if (!data) throw new ApiError(error);
      return data;
    },
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 10_000,
  });
}

export function useSaveRule(ruleId: string | undefined) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: RuleIn): Promise<RuleOut> => {
      const answer = ruleId
        ? await api.PUT("/api/v1/alerts/rules/{rule_id}", { params: { path: { rule_id: ruleId } }, body })
        : await api.POST("/api/v1/alerts/rules/", { body });
      if (!answer.data) throw new ApiError(answer.error);
      return answer.data;
    },
    onSuccess: () => client.invalidateQueries({ queryKey: RULES_KEY }),
  });
}

export type RuleAction = "pause" | "resume" | "delete" | "test";

/** Pause, resume, delete or dry-run one saved rule. */
export function useRuleAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ action, ruleId }: { action: RuleAction; ruleId: string }) => {
      const path = { params: { path: { rule_id: ruleId } } };
      if (action === "delete") {
        const { error, response } = await api.DELETE("/api/v1/alerts/rules/{rule_id}", path);
        if (!response.ok) throw new ApiError(error);
        return null;
      }
      const answer =
        action === "test"
          ? await api.POST("/api/v1/alerts/rules/{rule_id}/test", path)
          : action === "pause"
            ? await api.POST("/api/v1/alerts/rules/{rule_id}/pause", path)
            : await api.POST("/api/v1/alerts/rules/{rule_id}/resume", path);
      if (!answer.data) throw new ApiError(answer.error);
      return answer.data;
    },
    onSuccess: (_, { action }) => {
      if (action !== "test") void client.invalidateQueries({ queryKey: RULES_KEY });
    },
  });
}

/** Evaluate now: every enabled rule, or the listed ones. */
export function useEvaluate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (ruleIds: string[] | null): Promise<EvaluateOut> => {
      const { data, error } = await api.POST("/api/v1/alerts/evaluate", { body: { rule_ids: ruleIds } });
      if (!data) throw new ApiError(error);
      return data;
    },
    onSuccess: () => client.invalidateQueries({ queryKey: RULES_KEY }),
  });
}
