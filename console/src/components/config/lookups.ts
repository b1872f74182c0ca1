// The tenant's people, schedules, teams, channels and policies by id: for pickers and for showing names, not ids.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { must } from "./ui";

export type TargetKind = "user" | "schedule" | "team" | "channel";

export interface Named {
  id: string;
  name: string;
}

export const POLICIES_KEY = ["escalation-policies"] as const;

function useNamed(kind: TargetKind | "policy") {
  return useQuery({
    queryKey: kind === "policy" ? POLICIES_KEY : kind === "channel" ? ["channels"] : [`${kind}s`],
    queryFn: async (): Promise<Named[]> => {
      switch (kind) {
        case "user":
          return must(await api.GET("/api/v1/users"));
        case "schedule":
          return must(await api.GET("/api/v1/schedules"));
        case "team":
          return must(await api.GET("/api/v1/teams"));
        case "channel":
          return must(await api.GET("/api/v1/channels"));
        case "policy":
          return must(await api.GET("/api/v1/escalation-policies"));
      }
    },
  });
}

export interface Lookups {
  lists: Record<TargetKind | "policy", Named[]>;
  /** The name of a row, or its id when it is unknown (deleted, or still loading). */
  name: (kind: TargetKind | "policy", id: string) => string;
}

export function useLookups(): Lookups {
  const user = useNamed("user");
  const schedule = useNamed("schedule");
  const team = useNamed("team");
  const channel = useNamed("channel");
  const policy = useNamed("policy");
  const lists = {
    user: user.data ?? [],
    schedule: schedule.data ?? [],
    team: team.data ?? [],
    channel: channel.data ?? [],
    policy: policy.data ?? [],
  };
  return {
    lists,
    name: (kind, id) => lists[kind].find((row) => row.id === id)?.name ?? id,
  };
}
