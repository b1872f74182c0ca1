import type { SessionOut } from "../api/client";
import { HeartbeatList } from "./heartbeats/HeartbeatList";

/** Heartbeats: each monitor's status and last ping (every role reads; monitors are set up through the API). */
export default function HeartbeatsPage({ session }: { session: SessionOut }) {
  void session;
  return <HeartbeatList />;
}
