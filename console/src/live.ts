// The live stream (GET /api/v1/stream, Server-Sent Events): a changed alert replaces only its own
// object in the cached list pages (so only its row renders); an alert not on screen, or a reconnection
// (`ready`), refetches. While the stream is down the page says since when its data is stale.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { AlertOut, AlertPage } from "./api/client";

export const ALERTS_KEY = ["alerts"] as const;

export interface LiveState {
  connected: boolean;
  staleSince: Date | null;
}

/** The live stream while not `paused` (pausing closes it; resuming reconnects and resyncs). */
export function useAlertStream(paused = false): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>({ connected: false, staleSince: null });
  const refetch = useRef<ReturnType<typeof setTimeout> | null>(null);
  const recount = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    if (paused) {
      setState({ connected: false, staleSince: null });
      return;
    }
    const source = new EventSource("/api/v1/stream");
    const refetchSoon = () => {
      if (refetch.current) return;
      refetch.current = setTimeout(() => {
        refetch.current = null;
        void client.invalidateQueries({ queryKey: ALERTS_KEY });
      }, 200);
    };
    const recountSoon = () => {
      if (recount.current) return; // in a storm: one recount per second, not eight requests per alert
      recount.current = setTimeout(() => {
        recount.current = null;
        void client.invalidateQueries({ queryKey: [...ALERTS_KEY, "count"] });
      }, 1000);
    };
    source.addEventListener("alert", (event: MessageEvent<string>) => {
      const alert = JSON.parse(event.data) as AlertOut;
      let shown = false;
      client.setQueriesData<AlertPage>({ queryKey: [...ALERTS_KEY, "list"] }, (page) => {
        if (!page) return page;
        const index = page.items.findIndex((item) => item.id === alert.id);
        if (index < 0) return page;
        shown = true;
        const items = page.items.slice();
        items[index] = alert;
        return { ...page, items };
      });
      void client.invalidateQueries({ queryKey: ["alert", alert.id] });
      recountSoon();
      if (!shown) refetchSoon();
    });
    source.addEventListener("ready", () => {
      setState({ connected: true, staleSince: null });
      void client.invalidateQueries({ queryKey: ALERTS_KEY }); // resync: never trust a replay alone
    });
    source.onerror = () => setState((s) => ({ connected: false, staleSince: s.staleSince ?? new Date() }));
    return () => {
      source.close();
      if (refetch.current) clearTimeout(refetch.current);
      if (recount.current) clearTimeout(recount.current);
      refetch.current = recount.current = null;
    };
  }, [client, paused]);
  return state;
}
