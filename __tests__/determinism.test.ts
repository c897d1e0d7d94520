/**
 * Synthesis is deterministic (design principle 7): the one test of it. Two
 * syntheses of the prod configuration in fresh processes, the second after
 * touching every source, under another time zone, and with empty caches (no
 * TypeScript transform and no Lambda bundle from the first run), so a warm
 * cache cannot make it pass: the bundles are built twice and must come out
 * byte-identical, zips and asset hashes included.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./support/config";
import { runApp, tempDir } from "./support/synth";
import { readTree, treeDifferences } from "./support/tree";

function touchSources(): void {
  const later = new Date(Date.now() + 3_600_000);
  for (const dir of ["app", "lib", "stacks", "constructs", "lambda", "config"]) {
    const walk = (d: string) => {
      if (!fs.existsSync(d)) return;
      for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, entry.name);
        if (entry.isDirectory()) walk(full);
        else fs.utimesSync(full, later, later);
      }
    };
    walk(path.join(PROJECT_ROOT, dir));
  }
  fs.utimesSync(path.join(PROJECT_ROOT, "main.ts"), later, later);
}

test("GIVEN two fresh processes with empty caches, touched sources and another TZ THEN cdktf.out of prod is byte-identical, Lambda zips included", () => {
  const dir = tempDir("determinism");
  const run = (name: string, tz: string) =>
    runApp({
      DR_ENV: "prod",
      DR_CONFIG: undefined,
      TZ: tz,
      CDKTF_OUTDIR: path.join(dir, name),
      DR_LAMBDA_CACHE_DIR: path.join(dir, `${name}-bundles`),
      DR_TS_CACHE_DIR: path.join(dir, `${name}-ts`),
    });
  const first = run("first", "UTC");
  // stderr holds only the gate's report: which configuration was loaded, and warnings (legal but doubtful values).
  expect(first.stderr.split("\n").filter((line) => line !== "" && !/^(Configuration: |Warnings? for |  - )/.test(line))).toEqual([]);
  expect(first.status).toBe(0);
  touchSources();
  const second = run("second", "Pacific/Chatham");
  expect(second.status).toBe(0);
  // Both runs built their bundles: each cache holds one entry.
  for (const name of ["first", "second"]) expect(fs.readdirSync(path.join(dir, `${name}-bundles`))).toHaveLength(1);
  const a = readTree(path.join(dir, "first"));
  const b = readTree(path.join(dir, "second"));
  expect([...a.keys()].filter((f) => f.endsWith(".zip")).length).toBeGreaterThanOrEqual(6);
  expect(treeDifferences(a, b)).toEqual([]);
  fs.rmSync(dir, { recursive: true, force: true });
});
