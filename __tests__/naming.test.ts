import { AWS_REGION_NAMES, regionCode } from "../lib/aws-regions";
import { checkAllNames, maxSuffixLength, Naming, NAME_PURPOSES, NAME_RULES } from "../lib/naming";

describe("region codes", () => {
  test("are unique across every known region", () => {
    const codes = AWS_REGION_NAMES.map(regionCode);
    expect(new Set(codes).size).toBe(codes.length);
  });
  test.each([
    ["us-east-1", "use1"],
    ["ap-southeast-2", "apse2"],
    ["ap-south-1", "aps1"],
    ["eu-central-1", "euc1"],
    ["us-gov-west-1", "usgw1"],
  ])("%s -> %s", (region, code) => {
    expect(regionCode(region as any)).toBe(code);
  });
});

describe("names", () => {
  const naming = new Naming({ project: "txdr", suffix: "prd" });

  test("regional kinds carry the region code, others do not", () => {
    expect(naming.name("s3Bucket", "tfstate", "us-east-1")).toBe("txdr-tfstate-use1-prd");
    expect(naming.name("loadBalancer", "app")).toBe("txdr-app-prd");
    expect(naming.name("restoreTestingPlan", "restoretest")).toBe("txdr_restoretest_prd");
  });

  test("a regional kind without a region is a programming error", () => {
    expect(() => naming.name("iamRole", "backup")).toThrow(/needs a region/);
  });

  test("every purpose of every kind is valid for the shipped suffix lengths in the longest regions", () => {
    expect(checkAllNames({ project: "txdr", suffix: "prd" }, ["ap-southeast-1", "us-gov-west-1"] as any)).toEqual([]);
  });

  test("the maximum suffix length is exactly the one the tightest rule allows", () => {
    const regions = ["us-east-1", "us-west-2"] as any;
    const max = maxSuffixLength({ project: "txdr", suffix: "" }, regions);
    // The canary name "txdr-pri-<suffix>" is the tightest: 21 - "txdr-pri-".length.
    expect(max).toBe(21 - "txdr-pri-".length);
    expect(checkAllNames({ project: "txdr", suffix: "a".repeat(max) }, regions)).toEqual([]);
    expect(checkAllNames({ project: "txdr", suffix: "a".repeat(max + 1) }, regions).map((v) => v.kind)).toEqual(["canary", "canary", "canary"]);
  });

  test("each kind's limit matches the AWS documentation this project relies on", () => {
    expect(NAME_RULES.loadBalancer.maxLength).toBe(32);
    expect(NAME_RULES.targetGroup.maxLength).toBe(32);
    expect(NAME_RULES.canary.maxLength).toBe(21);
    expect(NAME_RULES.s3Bucket.maxLength).toBe(63);
    expect(NAME_RULES.iamRole.maxLength).toBe(64);
    expect(NAME_RULES.lambdaFunction.maxLength).toBe(64);
    expect(NAME_RULES.backupVault.maxLength).toBe(50);
    expect(NAME_RULES.restoreTestingPlan.pattern.test("a-b")).toBe(false);
    expect(NAME_RULES.loadBalancer.pattern.test("internal-app")).toBe(false);
  });

  test("every kind has at least one purpose", () => {
    for (const kind of Object.keys(NAME_RULES) as (keyof typeof NAME_RULES)[]) expect(NAME_PURPOSES[kind].length).toBeGreaterThan(0);
  });
});
