// The one API client: typed from Herald's OpenAPI document (src/api/schema.ts, generated), sending the
// session cookie and, on writes, the session's CSRF token.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type AlertOut = components["schemas"]["AlertOut"];
export type AlertPage = components["schemas"]["AlertPage"];
export type AlertDetail = components["schemas"]["AlertDetailOut"];
export type AlertStatus = components["schemas"]["AlertStatus"];
export type Severity = components["schemas"]["Severity"];
export type SessionOut = components["schemas"]["SessionOut"];
export type BulkOut = components["schemas"]["BulkOut"];

export const STATUSES: AlertStatus[] = ["triggered", "acknowledged", "resolved"];
export const SEVERITIES: Severity[] = ["critical", "high", "medium", "low", "info"];

let csrfToken: string | null = null;

/** Remember the signed-in session's CSRF token (from POST or GET /api/v1/session). */
export function rememberCsrfToken(token: string | null): void {
  csrfToken = token;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && request.method !== "HEAD" && csrfToken) {
      request.headers.set("X-CSRF-Token", csrfToken);
    }
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "", credentials: "same-origin" });
api.use(csrf);

/** The API's error message (`{"detail": ...}`), for people. */
export function errorText(error: unknown, fallback = "the request failed"): string {
  if (error && typeof error === "object" && "detail" in error) {
    const detail = (error as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
  }
  if (error instanceof Error) return error.message;
  return fallback;
}
