// Names for the ids an alert carries (users, teams, schedules, channels, policies): the tenant's lists, cached
// by TanStack Query and shared by the ladder and the reassign form. A list that fails leaves ids as they are.
import { useQuery } from "@tanstack/react-query";
import { api, errorText } from "../../api/client";

export interface Named {
  id: string;
  name: string;
}

async function list(path: "/api/v1/users" | "/api/v1/teams" | "/api/v1/schedules" | "/api/v1/channels" | "/api/v1/escalation-policies"): Promise<Named[]> {
  const { data, error } = await api.GET(path);
  if (!data) throw new Error(errorText(error));
  return data.map((row) => ({ id: row.id, name: row.name }));
}

export function useUsers() {
  return useQuery({ queryKey: ["directory", "users"], queryFn: () => list("/api/v1/users"), staleTime: 60_000 });
}

export function usePolicies() {
  return useQuery({
    queryKey: ["directory", "policies"],
    queryFn: () => list("/api/v1/escalation-policies"),
    staleTime: 60_000,
  });
}

/** id → name over users, teams, schedules and channels (empty until they load). */
export function useNames(): Map<string, string> {
  const users = useUsers();
  const teams = useQuery({ queryKey: ["directory", "teams"], queryFn: () => list("/api/v1/teams"), staleTime: 60_000 });
  const schedules = useQuery({
    queryKey: ["directory", "schedules"],
    queryFn: () => list("/api/v1/schedules"),
    staleTime: 60_000,
  });
  const channels = useQuery({
    queryKey: ["directory", "channels"],
    queryFn: () => list("/api/v1/channels"),
    staleTime: 60_000,
  });
  const names = new Map<string, string>();
  for (const rows of [users.data, teams.data, schedules.data, channels.data]) {
    for (const row of rows ?? []) names.set(row.id, row.name);
  }
  return names;
}
