import { Route, Routes } from "react-router-dom";
import type { SessionOut } from "../api/client";
import { ScheduleList } from "./oncall/ScheduleList";
import { ScheduleView } from "./oncall/ScheduleView";

/** On call: who is on call on each schedule, "my shifts", and a schedule's two-week timeline with its overrides. */
export default function OnCallPage({ session }: { session: SessionOut }) {
  const admin = session.role === "admin";
  return (
    <Routes>
      <Route index element={<ScheduleList session={session} />} />
      <Route path=":scheduleId" element={<ScheduleView admin={admin} />} />
    </Routes>
  );
}
