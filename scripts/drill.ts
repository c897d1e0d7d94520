/**
 * `npm run drill [-- --config config/prod.json] [--figures <file>] [--scenario <id>]... [--seed <n>] [--out <dir>]`
 *
 * Synthesizes the configuration into a temporary directory with the repository's
 * synthesis entry (main.ts, DR_CONFIG and CDKTF_OUTDIR, as scripts/synth-all.js
 * does), runs the drill's scenarios against the synthesized output (drill/),
 * writes reports/drill/<environment>/drill.md and drill.json, prints the table,
 * and exits non-zero when any scenario breaks a target, an invariant or an
 * expectation (2 for a usage or synthesis error).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readConfigFile } from "../lib/config/load";
import { budgetRtoOf } from "../drill/budget";
import { DOUBLES } from "../drill/doubles";
import { FIGURE_IDS, FigureName, loadFigures } from "../drill/figures";
import { DoubleResult, doublesTable, DrillRun, json, markdown, passed, table } from "../drill/report";
import { runScenario, Scenario } from "../drill/scenario";
import { scenariosFor } from "../drill/scenarios";
import { TerraformApp } from "../drill/terraform/app";

const ROOT = path.resolve(__dirname, "..");

interface Args {
  config: string;
  figures?: string;
  scenarios: string[];
  seed: number;
  out: string;
  synthesized?: string;
  writeDocs: boolean;
  /** Run the P1-P8 doubles (default: when no --scenario is given). */
  doubles: boolean | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { config: path.join("config", "dev.json"), scenarios: [], seed: 1, out: path.join("reports", "drill"), writeDocs: false, doubles: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--config") args.config = value();
    else if (flag === "--figures") args.figures = value();
    else if (flag === "--scenario") args.scenarios.push(value());
    else if (flag === "--seed") args.seed = Number(value());
    else if (flag === "--out") args.out = value();
    else if (flag === "--synthesized") args.synthesized = value();
    else if (flag === "--write-docs") args.writeDocs = true;
    else if (flag === "--doubles") args.doubles = true;
    else if (flag === "--no-doubles") args.doubles = false;
    else if (flag === "--help" || flag === "-h") {
      process.stdout.write(`usage: npm run drill -- [--config config/<env>.json] [--figures <aws-figures.json>] [--scenario <id>]... [--seed <n>] [--out <dir>] [--synthesized <cdktf.out>] [--write-docs] [--doubles | --no-doubles]\nscenarios: ${scenariosFor(300).map((s) => s.id).join(", ")}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

function synthesize(configFile: string): { dir: string; cleanup: () => void } {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dr-drill-"));
  const outdir = path.join(work, "cdktf.out");
  const app = (JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")) as { app: string }).app;
  const result = spawnSync(app, { cwd: ROOT, shell: true, encoding: "utf8", env: { ...process.env, DR_CONFIG: path.resolve(configFile), CDKTF_OUTDIR: outdir } });
  if (result.status !== 0) throw new Error(`Synthesis of ${configFile} failed:\n${result.stderr}${result.stdout}`);
  return { dir: outdir, cleanup: () => fs.rmSync(work, { recursive: true, force: true }) };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const config = readConfigFile(path.resolve(args.config));
  const figures = loadFigures(args.figures);
  const all = scenariosFor(config.targets.rpoSeconds);
  const chosen: Scenario[] = args.scenarios.length === 0 ? all : all.filter((s) => args.scenarios.includes(s.id));
  if (chosen.length === 0) {
    process.stderr.write(`no scenario matches ${args.scenarios.join(", ")}; known: ${all.map((s) => s.id).join(", ")}\n`);
    return 2;
  }
  const started = Date.now();
  const synthesized = args.synthesized ? { dir: args.synthesized, cleanup: () => undefined } : synthesize(args.config);
  const results = [];
  const doubles: DoubleResult[] = [];
  let budgetRtoSeconds: number | null = null;
  try {
    const app = TerraformApp.read(synthesized.dir);
    budgetRtoSeconds = budgetRtoOf(app, config);
    for (const scenario of chosen) {
      const t0 = Date.now();
      const result = await runScenario(scenario, { app, config, figures, seed: args.seed });
      const verdict = scenario.knownProblem ? (result.passed ? "pass (known problem no longer reproduces)" : "FAIL (known problem, as expected)") : result.passed ? "pass" : "FAIL";
      process.stderr.write(`drill: ${scenario.id}: ${verdict} (${((Date.now() - t0) / 1000).toFixed(1)} s wall)\n`);
      results.push(result);
    }
    if (args.doubles ?? args.scenarios.length === 0) {
      for (const d of DOUBLES) {
        const t0 = Date.now();
        const scenario = d.scenario(config.targets.rpoSeconds);
        const result = await runScenario(scenario, { app, config, figures, seed: args.seed, prepare: d.prepare });
        const outcome = d.brokenBy(result);
        process.stderr.write(`drill: double ${d.id} on ${scenario.id}: ${outcome.broken ? "fails as expected" : "DID NOT FAIL"} (${((Date.now() - t0) / 1000).toFixed(1)} s wall)\n`);
        doubles.push({ id: d.id, property: d.property, safeguard: d.safeguard, double: d.double, scenario: scenario.id, expectedFailure: d.expectedFailure, broken: outcome.broken, detail: outcome.detail });
      }
    }
  } finally {
    synthesized.cleanup();
  }
  const active = config.regions.active;
  const run: DrillRun = {
    configFile: args.config,
    environment: config.environment,
    regions: { active, standby: active === config.regions.primary ? config.regions.secondary : config.regions.primary },
    targets: { rpoSeconds: config.targets.rpoSeconds, rtoSeconds: config.targets.rtoSeconds },
    budgetRtoSeconds,
    figures: (Object.keys(FIGURE_IDS) as FigureName[]).map((name) => ({ name: `${name} (${FIGURE_IDS[name]})`, seconds: figures.seconds[name], source: figures.sources[name] })),
    seed: args.seed,
    results,
    doubles,
  };
  const outDir = path.join(args.out, config.environment);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "drill.md"), markdown(run));
  fs.writeFileSync(path.join(outDir, "drill.json"), json(run));
  if (args.writeDocs) fs.writeFileSync(path.join(ROOT, "docs", "drill-report.md"), markdown(run));
  const doublesText = doubles.length > 0 ? `\n\n${doublesTable(run)}` : "";
  process.stdout.write(
    `${table(run)}${doublesText}\n\nReport: ${path.join(outDir, "drill.md")} and drill.json${args.writeDocs ? ", docs/drill-report.md" : ""} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  return passed(run) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`drill: ${error.stack ?? error.message}\n`);
    process.exit(2);
  },
);
