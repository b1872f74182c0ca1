import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { Layout } from "./components/Layout";
import { AlertPage } from "./pages/AlertPage";
import { AlertsPage } from "./pages/AlertsPage";
import { SignIn } from "./pages/SignIn";
import { useSession } from "./session";

export function App() {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <p className="p-4">Loading…</p>;
  if (session.isError) return <p role="alert" className="p-4">Herald did not answer: {session.error.message}</p>;
  if (!session.data) return <SignIn />; // on any URL: after signing in, the same page opens
  if (location.pathname === "/" || location.pathname === "/dashboard" || location.pathname === "/dashboard/") {
    return <Navigate to="/dashboard/alerts" replace />;
  }
  return (
    <Layout session={session.data}>
      <Routes>
        <Route path="/dashboard/alerts" element={<AlertsPage session={session.data} />} />
        <Route path="/dashboard/alerts/:alertId" element={<AlertPage session={session.data} />} />
        <Route path="*" element={<p className="p-4">No such page.</p>} />
      </Routes>
    </Layout>
  );
}
