import { defineConfig } from "vite";
import { finalNewline } from "./vite.shared.ts";

// The frame app: `frame.js` (IIFE, a classic script under `script-src 'self'`) and
// `frame.css`, served at /widget/frame.js and /widget/frame.css. Fixed names, see the loader.
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
      entry: "src/frame/main.ts",
      formats: ["iife"],
      name: "CustomerCareFrame",
      fileName: () => "frame.js",
      cssFileName: "frame",
    },
  },
});
