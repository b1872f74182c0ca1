// Series colours readable on white and on slate-950 (the dark theme); severities keep the badges' hues.
const SEVERITY: Record<string, string> = {
  critical: "#dc2626",
  high: "#ea580c",
  medium: "#d97706",
  low: "#0284c7",
  info: "#64748b",
};
const PALETTE = ["#2563eb", "#16a34a", "#c026d3", "#d97706", "#0891b2", "#dc2626", "#7c3aed", "#65a30d", "#64748b"];

export function seriesColor(group: string, index: number): string {
  return SEVERITY[group] ?? PALETTE[index % PALETTE.length] ?? "#64748b";
}

/** Axis and grid props that follow the text colour (light and dark). */
export const AXIS = { stroke: "currentColor", tick: { fill: "currentColor", fontSize: 12 } } as const;
export const GRID = { stroke: "currentColor", strokeOpacity: 0.15 } as const;
export const TOOLTIP = {
  contentStyle: { backgroundColor: "#0f172a", border: "1px solid #334155", color: "#f8fafc" },
  itemStyle: { color: "#f8fafc" },
  labelStyle: { color: "#f8fafc" },
} as const;
