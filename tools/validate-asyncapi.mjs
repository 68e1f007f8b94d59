// Validates AsyncAPI documents with the official parser (@asyncapi/parser: schema and Spectral rules).
// Usage: node tools/validate-asyncapi.mjs FILE...; exits 1 on any error, prints warnings.
import { readFile } from "node:fs/promises";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(await readFile(file, "utf8"), { source: file });
  for (const d of diagnostics) {
    const level = d.severity === DiagnosticSeverity.Error ? "error" : d.severity === DiagnosticSeverity.Warning ? "warning" : "info";
    if (level === "info") continue;
    console.log(`${file}: ${level}: ${d.code}: ${d.message} at /${d.path.join("/")}`);
  }
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  if (!document || errors.length) {
    failed = true;
    console.log(`${file}: invalid (${errors.length} errors)`);
  } else {
    console.log(`${file}: valid AsyncAPI ${document.version()}, ${document.channels().length} channels, ` +
      `${document.messages().length} messages, ${document.operations().length} operations`);
  }
}
process.exit(failed ? 1 : 0);
