import type { Plugin } from "vite";

/** Built files are committed: end each one in exactly one newline (the repository's
 * end-of-file hook) so a rebuild is byte-identical and passes the text checks. */
export function finalNewline(): Plugin {
  return {
    name: "ccgpt-final-newline",
    enforce: "post",
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === "chunk") file.code = file.code.trimEnd() + "\n";
        else {
          const text =
            typeof file.source === "string" ? file.source : new TextDecoder().decode(file.source);
          file.source = text.replace("/*$vite$:1*/", "").trimEnd() + "\n";
        }
      }
    },
  };
}
