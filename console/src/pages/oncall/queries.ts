// The on-call section's server state (TanStack Query); every key under ["schedules"], invalidated on writes.
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import { ApiError } from "../rules/fieldErrors";

export type ScheduleOut = components["schemas"]["ScheduleOut"];
export type OverrideIn = components["schemas"]["OverrideIn"];
export const SCHEDULES_KEY = ["schedules"] as const;

export function useSchedules() {
  return useQuery({
    queryKey: [...SCHEDULES_KEY, "list"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/schedules");
      if (!data) throw new ApiError(error);
      return data;
    },
  });
}

export function useSchedule(scheduleId: string) {
  return useQuery({
    queryKey: [...SCHEDULES_KEY, scheduleId],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/schedules/{schedule_id}", {
        params: { path: { schedule_id: scheduleId } },
      });
      if (!data) throw new ApiError(error);
      return data;
    },
  });
}

function onCallQuery(scheduleId: string) {
  return {
    queryKey: [...SCHEDULES_KEY, scheduleId, "oncall"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/schedules/{schedule_id}/oncall", {
        params: { path: { schedule_id: scheduleId } },
      });
      if (!data) throw new ApiError(error);
      return data;
    },
    refetchInterval: 60_000,
  };
}

export function useOnCall(scheduleId: string) {
  return useQuery(onCallQuery(scheduleId));
}

function timelineQuery(scheduleId: string, from: Date, to: Date) {
  return {
    queryKey: [...SCHEDULES_KEY, scheduleId, "timeline", from.toISOString(), to.toISOString()],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/schedules/{schedule_id}/timeline", {
        params: { path: { schedule_id: scheduleId }, query: { from: from.toISOString(), to: to.toISOString() } },
      });
      if (!data) throw new ApiError(error);
      return data;
    },
  };
}

export function useTimeline(scheduleId: string, from: Date, to: Date) {
  return useQuery(timelineQuery(scheduleId, from, to));
}

/** The timelines of several schedules (for "my shifts"). */
export function useTimelines(scheduleIds: readonly string[], from: Date, to: Date) {
  return useQueries({ queries: scheduleIds.map((id) => timelineQuery(id, from, to)) });
}

export function useUsers() {
  return useQuery({
    queryKey: ["users"],
    queryFn: async () => {
      const { data, error } = await api.GET("/api/v1/users");
      if (!data) throw new ApiError(error);
      return data;
    },
    staleTime: 60_000,
  });
}

export function useCreateOverride(scheduleId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: OverrideIn) => {
      const { data, error } = await api.POST("/api/v1/schedules/{schedule_id}/overrides", {
        params: { path: { schedule_id: scheduleId } },
        body,
      });
      if (!data) throw new ApiError(error);
      return data;
    },
    onSuccess: () => client.invalidateQueries({ queryKey: SCHEDULES_KEY }),
  });
}

export function useDeleteOverride(scheduleId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (overrideId: string) => {
      const { error, response } = await api.DELETE("/api/v1/schedules/{schedule_id}/overrides/{override_id}", {
        params: { path: { schedule_id: scheduleId, override_id: overrideId } },
      });
      if (!response.ok) throw new ApiError(error);
    },
    onSuccess: () => client.invalidateQueries({ queryKey: SCHEDULES_KEY }),
  });
}
