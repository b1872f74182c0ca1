// Who is signed in: GET /api/v1/session (server state, in TanStack Query). null: nobody.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, errorText, rememberCsrfToken, type SessionOut } from "./api/client";

export const SESSION_KEY = ["session"] as const;

export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async (): Promise<SessionOut | null> => {
      const { data, response } = await api.GET("/api/v1/session");
      if (response.status === 401) {
        rememberCsrfToken(null);
        return null;
      }
      if (!data) throw new Error(`session check failed (${response.status})`);
      rememberCsrfToken(data.csrf_token);
      return data;
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (apiKey: string) => {
      const { data, error } = await api.POST("/api/v1/session", { body: { api_key: apiKey } });
      if (!data) throw new Error(errorText(error, "sign-in failed"));
      return data;
    },
    onSuccess: (session) => {
      rememberCsrfToken(session.csrf_token);
      client.setQueryData(SESSION_KEY, session);
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await api.DELETE("/api/v1/session");
    },
    onSettled: () => {
      rememberCsrfToken(null);
      client.setQueryData(SESSION_KEY, null); // the sign-in form shows at once
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] }); // nothing of theirs stays
    },
  });
}

/** Whether the signed-in role may act on alerts (the API enforces it; this only hides buttons). */
export function canAct(session: SessionOut | null | undefined): boolean {
  return session?.role === "responder" || session?.role === "admin" || session?.role === "platform";
}
