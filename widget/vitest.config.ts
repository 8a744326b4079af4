import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "happy-dom",
    environmentOptions: {
      happyDOM: {
        url: "https://shop.example/products?id=1",
        // Unit tests never reach the network: frames, scripts and CSS are not loaded (frames
        // and CSS are off by default in happy-dom 20+).
        settings: {
          disableJavaScriptFileLoading: true,
          handleDisabledFileLoadingAsSuccess: true,
        },
      },
    },
    globals: true,
    include: ["tests/**/*.test.ts"],
    // happy-dom reports each iframe it does not load (loading is off, above): expected noise.
    onConsoleLog: (log) => !log.includes("Iframe page loading is disabled"),
    // Two cores shared with others: keep the run small.
    pool: "threads",
    maxWorkers: 1,
  },
});
