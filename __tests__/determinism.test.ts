/**
 * Two syntheses in fresh processes give byte-identical output, even after the
 * sources are touched and under a different time zone.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./support/config";
import { runApp, tempDir } from "./support/synth";
import { readTree, treeDifferences } from "./support/tree";

function touchSources(): void {
  const later = new Date(Date.now() + 3_600_000);
  for (const dir of ["lib", "stacks", "constructs", "lambda", "config"]) {
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

describe.each(["dev", "prod"])("synthesis of %s is deterministic", (environment) => {
  test("GIVEN two fresh processes, touched sources and another TZ THEN cdktf.out is byte-identical", () => {
    const dir = tempDir("determinism");
    const first = runApp({ DR_ENV: environment, DR_CONFIG: undefined, TZ: "UTC", CDKTF_OUTDIR: path.join(dir, "first") });
    // stderr holds only the gate's report: which configuration was loaded, and warnings (legal but doubtful values).
    expect(first.stderr.split("\n").filter((line) => line !== "" && !/^(Configuration: |Warnings? for |  - )/.test(line))).toEqual([]);
    expect(first.status).toBe(0);
    touchSources();
    const second = runApp({ DR_ENV: environment, DR_CONFIG: undefined, TZ: "Pacific/Chatham", CDKTF_OUTDIR: path.join(dir, "second") });
    expect(second.status).toBe(0);
    const a = readTree(path.join(dir, "first"));
    const b = readTree(path.join(dir, "second"));
    expect(a.size).toBeGreaterThan(10);
    expect(treeDifferences(a, b)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
