// Prints the gzip sizes of the built bundles and fails over budget (docs/widget.md).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../../src/customercare/widget/static/", import.meta.url));
const gz = (name) => gzipSync(readFileSync(dir + name), { level: 9 }).length;
const budgets = [
  { label: "loader widget.js", files: ["widget.js"], limit: 5000 },
  { label: "frame frame.js + frame.css", files: ["frame.js", "frame.css"], limit: 40000 },
];
let failed = false;
for (const { label, files, limit } of budgets) {
  const size = files.reduce((sum, f) => sum + gz(f), 0);
  const ok = size <= limit;
  failed ||= !ok;
  console.log(
    `${ok ? "ok  " : "OVER"} ${label}: ${(size / 1000).toFixed(2)} kB gzip (budget ${limit / 1000} kB)`,
  );
}
process.exit(failed ? 1 : 0);
