/**
 * The synth command as a user runs it: a child process per case, with a bad
 * file, asserting the non-zero exit, the message, and that no stack was written.
 */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { rawVariant, PROJECT_ROOT } from "./support/config";
import { runApp, runAppWithConfig, tempDir } from "./support/synth";

/** Files left beside the output directory: no staging or retired copies may remain. */
function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f !== "config.json" && f !== "cdktf.out");
}

describe("synth refuses a bad configuration", () => {
  const cases: [string, unknown, string][] = [
    ["an unknown key", rawVariant("dev", { colour: "blue" }), ': unknown key "colour"; allowed keys are: description, project'],
    ["the same region twice", rawVariant("dev", { regions: { secondary: "us-east-1" } }), "regions.secondary: is the same as regions.primary"],
    ["a region that is not an AWS region", rawVariant("dev", { regions: { primary: "mars-north-1" } }), 'regions.primary: must be one of: us-east-1'],
    ["an active region that is neither", rawVariant("dev", { regions: { active: "us-west-2" } }), "regions.active: must be one of the two regions of the pair"],
    ["overlapping CIDRs", rawVariant("dev", { network: { cidrs: { secondary: "10.10.0.0/20" } } }), "network.cidrs.secondary: overlaps network.cidrs.primary (10.10.0.0/16)"],
    ["a malformed CIDR", rawVariant("dev", { network: { cidrs: { secondary: "10.20.0.0" } } }), "network.cidrs.secondary: is not a CIDR block"],
    ["a suffix that makes names too long", rawVariant("dev", { suffix: "averyveryverylongsuffix" }), 'suffix: is too long: it makes the'],
    ["a suffix with invalid characters", rawVariant("dev", { suffix: "dev-1" }), "suffix: must be lowercase letters and digits only"],
    ["min capacity above max", rawVariant("dev", { service: { capacity: { active: { min: 20, max: 10 } } } }), "service.capacity.active.min: is above service.capacity.active.max (10)"],
    ["an RPO that is not a positive duration", rawVariant("dev", { targets: { rpoSeconds: -1 } }), "targets.rpoSeconds: must be a positive duration in whole seconds"],
    ["an RTO that is not a positive duration", rawVariant("dev", { targets: { rtoSeconds: "half an hour" } }), "targets.rtoSeconds: must be a positive duration in whole seconds"],
    ["a backtrack window", rawVariant("dev", { database: { backtrackWindowSeconds: 600 } }), "database.backtrackWindowSeconds: is not supported: Aurora global databases do not support backtracking"],
    ["zero DR instances", rawVariant("dev", { database: { instances: { standby: 0 } } }), "database.instances.standby: must be at least 1: a headless secondary cluster has no instance to promote"],
    ["an impossible Fargate size", rawVariant("dev", { service: { cpu: 1024, memory: 1024 } }), "service.memory: is not a Fargate memory size for cpu 1024"],
    ["a missing required field", rawVariant("dev", { environment: undefined }), "environment: is required"],
    ["invalid JSON", '{ "environment": "dev", }', "is not valid JSON"],
    [
      "a second suffix key",
      JSON.stringify(rawVariant("dev"), null, 2).replace('"suffix": "dev",', '"suffix": "dev",\n  "suffix": "prd",'),
      'suffix: is written twice in the same object (lines 4 and 5); JSON readers keep only the last one, so remove one of them (got "prd")',
    ],
    [
      "a MySQL version with the PostgreSQL engine",
      rawVariant("dev", { database: { engineVersion: "8.0.mysql_aurora.3.08.2" } }),
      "database.engineVersion: is an aurora-mysql version, but database.engine is aurora-postgresql; allowed: Aurora PostgreSQL versions",
    ],
    [
      "a burstable instance class",
      rawVariant("prod", { database: { capacity: { instanceClass: "db.t4g.medium" } } }),
      "database.capacity.instanceClass: is a burstable class, and an Aurora global database requires memory-optimized instance classes",
    ],
  ];

  test.each(cases)("GIVEN %s THEN it exits non-zero with the message and writes no stack", (_name, raw, message) => {
    const result = runAppWithConfig(raw);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid configuration in");
    expect(result.stderr).toContain(message);
    expect(fs.existsSync(result.outdir)).toBe(false);
    expect(leftovers(result.dir)).toEqual([]);
    fs.rmSync(result.dir, { recursive: true, force: true });
  });

  test("GIVEN several problems THEN the app says first which file it loaded and why, then prints each problem once", () => {
    const result = runAppWithConfig(rawVariant("dev", { suffix: "BAD", colour: "blue" }));
    expect(result.status).toBe(1);
    const lines = result.stderr.split("\n");
    expect(lines[0]).toMatch(/^Configuration: .*config\.json \(DR_CONFIG is set\)$/);
    const problems = lines.filter((line) => line.startsWith("  - "));
    expect(problems).toHaveLength(2);
    expect(new Set(problems).size).toBe(problems.length);
    expect(fs.existsSync(result.outdir)).toBe(false);
    fs.rmSync(result.dir, { recursive: true, force: true });
  });

  test("GIVEN an unknown DR_ENV THEN it exits non-zero and lists the environments", () => {
    const dir = tempDir("env");
    const result = runApp({ DR_ENV: "staging", DR_CONFIG: undefined, CDKTF_OUTDIR: path.join(dir, "cdktf.out") });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("DR_ENV: has no file config/staging.json; available: dev, prod");
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("GIVEN a previous good synthesis THEN a failed one leaves it exactly as it was", () => {
    const good = runAppWithConfig(rawVariant("dev"));
    expect(good.status).toBe(0);
    const before = fs.readFileSync(path.join(good.outdir, "stacks", "bootstrap", "cdk.tf.json"), "utf8");
    fs.writeFileSync(path.join(good.dir, "config.json"), JSON.stringify(rawVariant("dev", { suffix: "BAD" })));
    const bad = runApp({ DR_CONFIG: path.join(good.dir, "config.json"), CDKTF_OUTDIR: good.outdir });
    expect(bad.status).toBe(1);
    expect(fs.readFileSync(path.join(good.outdir, "stacks", "bootstrap", "cdk.tf.json"), "utf8")).toBe(before);
    expect(leftovers(good.dir)).toEqual([]);
    fs.rmSync(good.dir, { recursive: true, force: true });
  });

  test("GIVEN a good configuration THEN every planned stack is written and nothing is left beside the output", () => {
    const result = runAppWithConfig(rawVariant("prod"));
    expect(result.status).toBe(0);
    expect(fs.readdirSync(path.join(result.outdir, "stacks")).sort()).toEqual(
      [
        "app-us-east-1",
        "app-us-east-2",
        "base-us-east-1",
        "base-us-east-2",
        "bootstrap",
        "cross-region-us-east-1",
        "cross-region-us-east-2",
        "data-us-east-1",
        "data-us-east-2",
        "dns",
        "ops-us-east-1",
        "ops-us-east-2",
        "replicas-us-east-2",
        "zone",
      ],
    );
    expect(leftovers(result.dir)).toEqual([]);
    fs.rmSync(result.dir, { recursive: true, force: true });
  });

  test("GIVEN cdktf synth itself (the CLI) with a bad configuration THEN it fails and writes no stack", () => {
    const dir = tempDir("cdktf-cli");
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, JSON.stringify(rawVariant("dev", { regions: { secondary: "us-east-1" } })));
    const result = spawnSync(path.join(PROJECT_ROOT, "node_modules", ".bin", "cdktf"), ["synth", "--output", path.join(dir, "cdktf.out")], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { ...process.env, DR_CONFIG: file, CHECKPOINT_DISABLE: "1", CI: "1" },
      timeout: 120_000,
    });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain("regions.secondary: is the same as regions.primary");
    expect(fs.existsSync(path.join(dir, "cdktf.out", "stacks"))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("npm run budget refuses bad input with one message and no table", () => {
  const budget = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "budget.js"), ...args], { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, DR_CONFIG: "", DR_ENV: "" } });

  test("GIVEN an option THEN it exits 2 naming it and how to pass files", () => {
    const result = budget("--config", "config/prod.json");
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("npm run budget: unknown option --config; it takes configuration files only, e.g. npm run budget -- config/prod.json\n");
    expect(result.stdout).toBe("");
  });

  test("GIVEN a missing file and a valid one THEN it exits 2 with the configuration error, no stack and no table", () => {
    const result = budget("config/prod.json", "config/no-such.json");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^Invalid configuration in config\/no-such\.json:\n {2}- \(top level\): does not exist/);
    expect(result.stderr).not.toContain("    at ");
    expect(result.stdout).toBe("");
  });

  test("GIVEN an invalid file THEN it names the bad fields", () => {
    const dir = tempDir("budget-");
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify(rawVariant("prod", { failover: { consecutiveFailures: 1 } })));
    const result = budget(file);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("failover.consecutiveFailures: ");
    expect(result.stdout).toBe("");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
