/** The console's sections: the header's navigation and the routes of App.tsx, in this order. */
export interface Section {
  path: string;
  label: string;
}

export const SECTIONS: readonly Section[] = [
  { path: "/dashboard/alerts", label: "Alerts" },
  { path: "/dashboard/oncall", label: "On call" },
  { path: "/dashboard/rules", label: "Rules" },
  { path: "/dashboard/heartbeats", label: "Heartbeats" },
  { path: "/dashboard/silences", label: "Silences" },
  { path: "/dashboard/maintenance", label: "Maintenance" },
  { path: "/dashboard/policies", label: "Policies" },
  { path: "/dashboard/channels", label: "Channels" },
  { path: "/dashboard/templates", label: "Templates" },
  { path: "/dashboard/statistics", label: "Statistics" },
];
