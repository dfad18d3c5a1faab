import { defineConfig } from "vite";

// The console is served by the gateway at /ui from the files built here (web/dist, embedded in
// the Api assembly). Output names carry content hashes, so a rebuild of the same sources gives the
// same bytes (ConsoleBuildTests rebuilds and compares).
export default defineConfig({
  root: "console",
  base: "/ui/",
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    sourcemap: false,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  // `npm run dev` serves the sources with reloads and passes API calls to a gateway from ./run.sh.
  server: {
    proxy: Object.fromEntries(["/v1", "/openapi"].map((path) => [path, process.env.MALLARD_URL ?? "http://127.0.0.1:8080"])),
  },
  test: {
    root: ".",
    include: ["console/test/**/*.test.ts"],
  },
} as import("vite").UserConfig);
