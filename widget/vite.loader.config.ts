import { defineConfig } from "vite";
import { finalNewline } from "./vite.shared.ts";

// The loader: one small IIFE, `widget.js`, served at /widget.js. No hashes in the name: the
// built file is committed (the Python-only quick start serves it) and CI rebuilds and diffs it.
export default defineConfig({
  publicDir: false,
  plugins: [finalNewline()],
  build: {
    outDir: "../src/customercare/widget/static",
    emptyOutDir: false,
    target: "es2020",
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: "src/loader/index.ts",
      formats: ["iife"],
      name: "CustomerCareLoader",
      fileName: () => "widget.js",
    },
  },
});
