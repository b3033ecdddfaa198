import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Live captures load BPF programs and share the kernel's tracepoints: one file at a time keeps
    // their numbers (and the leak checks of BPF links) free of each other's noise.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    expect: { requireAssertions: true },
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
