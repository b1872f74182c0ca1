import { lazy, Suspense } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { Layout } from "./components/Layout";
import { AlertPage } from "./pages/AlertPage";
import { AlertsPage } from "./pages/AlertsPage";
import { SignIn } from "./pages/SignIn";
import { useSession } from "./session";

// The alert list and page (where notifications lead) are in the first load; every other section is its own
// chunk, fetched when first opened (bench/console_size.py measures the first load).
const OnCallPage = lazy(() => import("./pages/OnCallPage"));
const RulesPage = lazy(() => import("./pages/RulesPage"));
const HeartbeatsPage = lazy(() => import("./pages/HeartbeatsPage"));
const SilencesPage = lazy(() => import("./pages/SilencesPage"));
const MaintenancePage = lazy(() => import("./pages/MaintenancePage"));
const PoliciesPage = lazy(() => import("./pages/PoliciesPage"));
const ChannelsPage = lazy(() => import("./pages/ChannelsPage"));
const TemplatesPage = lazy(() => import("./pages/TemplatesPage"));
const StatisticsPage = lazy(() => import("./pages/StatisticsPage"));

export function App() {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <p className="p-4">Loading…</p>;
  if (session.isError) return <p role="alert" className="p-4">Herald did not answer: {session.error.message}</p>;
  if (!session.data) return <SignIn />; // on any URL: after signing in, the same page opens
  if (location.pathname === "/" || location.pathname === "/dashboard" || location.pathname === "/dashboard/") {
    return <Navigate to="/dashboard/alerts" replace />;
  }
  const s = session.data;
  return (
    <Layout session={s}>
      <Suspense fallback={<p className="p-4">Loading…</p>}>
        <Routes>
          <Route path="/dashboard/alerts" element={<AlertsPage session={s} />} />
          <Route path="/dashboard/alerts/:alertId" element={<AlertPage session={s} />} />
          <Route path="/dashboard/oncall/*" element={<OnCallPage session={s} />} />
          <Route path="/dashboard/rules/*" element={<RulesPage session={s} />} />
          <Route path="/dashboard/heartbeats/*" element={<HeartbeatsPage session={s} />} />
          <Route path="/dashboard/silences/*" element={<SilencesPage session={s} />} />
          <Route path="/dashboard/maintenance/*" element={<MaintenancePage session={s} />} />
          <Route path="/dashboard/policies/*" element={<PoliciesPage session={s} />} />
          <Route path="/dashboard/channels/*" element={<ChannelsPage session={s} />} />
          <Route path="/dashboard/templates/*" element={<TemplatesPage session={s} />} />
          <Route path="/dashboard/statistics/*" element={<StatisticsPage session={s} />} />
          <Route path="*" element={<p className="p-4">No such page.</p>} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
