/**
 * npm run cost [-- config/<name>.json ...] [--write-docs]
 *
 * The monthly estimate of each configuration (default: the selected one, DR_ENV / DR_CONFIG), component by
 * component, from its synthesized Terraform JSON and app/cost-prices.json (app/cost.ts). --write-docs
 * writes docs/cost.md for dev and prod (deterministic; __tests__/operator-tools.test.ts checks it is current).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { costMarkdown, estimate, summarize, CostSummary } from "../app/cost";
import { readSynthesizedApp } from "../app/layout-check";
import { synthesizeInto } from "../app/synth";
import { loadConfig, selectedConfigFile } from "../lib/config/load";

const root = path.resolve(__dirname, "..");
export const DOC_CONFIGS = ["config/dev.json", "config/prod.json"];

function costOf(file: string): CostSummary {
  const { config } = loadConfig({ DR_CONFIG: file });
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-cost-"));
  try {
    synthesizeInto(config, outdir, file);
    return summarize(`${path.basename(file, ".json")} (${file})`, estimate(readSynthesizedApp(outdir)));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const writeDocs = args.includes("--write-docs");
const named = args.filter((a) => a !== "--write-docs");
const files = writeDocs ? DOC_CONFIGS : named.length > 0 ? named : [path.relative(root, selectedConfigFile(process.env))];
const markdown = costMarkdown(files.map((f) => costOf(path.relative(root, path.resolve(root, f)))));
if (writeDocs) {
  fs.writeFileSync(path.join(root, "docs", "cost.md"), markdown);
  process.stdout.write("wrote docs/cost.md\n");
} else process.stdout.write(markdown);
