import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "happy-dom",
    globals: true,
    include: ["tests/**/*.test.ts"],
    // Two cores shared with others: keep the run small.
    pool: "threads",
    maxWorkers: 1,
  },
});
