/// <reference types="vitest/config" />
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

declare const process: { env: Record<string, string | undefined> };

// The build lands inside the Python package (api/console_dist, git-ignored), which FastAPI serves
// (api/console.py) and the wheel carries. `npm run dev` serves the sources and proxies the API of
// `herald dev` (HERALD_API, default http://127.0.0.1:8000) so the session cookie stays same-origin.
export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { outDir: "../api/console_dist", emptyOutDir: true, assetsDir: "assets" },
  server: {
    proxy: { "/api": { target: process.env.HERALD_API ?? "http://127.0.0.1:8000", changeOrigin: false } },
  },
  test: { environment: "jsdom", setupFiles: ["./src/test/setup.ts"], include: ["src/**/*.test.tsx"] },
});
