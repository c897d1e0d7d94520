/**
 * `npm run reconcile` (scripts/reconcile.ts) from an operator's machine: dry
 * run by default, the report on the console and in a local file, and
 * --replay --yes writing into the survivor with conditional writes only; a
 * second run writes nothing. The SDK is the two-region stand-in (aws.ts).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { auditKey } from "../../lambda/failover-orchestrator/report";
import { toItem } from "../../lambda/shared/dynamo";
import { logDocument } from "../../lambda/transaction-processor/log-object";
import { TransactionRecord } from "../../lambda/transaction-processor/record";
import { parseArgs, reconcileCli } from "../../scripts/reconcile";
import { configVariant } from "../support/config";
import { awsError, FakeAws } from "./aws";
import { record } from "./fakes";

const OLD = "us-east-1";
const SURVIVOR = "us-east-2";
const TABLE = "txdr-txmeta-dev";
const FAILOVER = "arn:aws:states:us-east-2:111122223333:execution:txdr-failover-dev:failover-txdr-global-dev-20250314T093000Z-0a1b2c3d4e-a1";
const config = configVariant("dev");

let aws: FakeAws;
let out: string;
let err: string;
const io = () => ({
  env: {},
  out: (t: string) => void (out += t),
  err: (t: string) => void (err += t),
  config,
  now: () => Date.parse("2025-03-14T11:00:00Z"),
  clients: (region: string) => ({ dynamodb: new DynamoDBClient({ region }), s3: new S3Client({ region }) }),
});

function put(region: string, r: TransactionRecord, bucket?: string): TransactionRecord {
  aws.table(region, TABLE).set(r.recordKey, toItem({ ...r }));
  if (bucket) aws.bucket(bucket).set(r.logObjectKey, { body: logDocument(r), metadata: { "payload-sha256": r.payloadSha256 } });
  return r;
}
const writes = () => aws.calls.filter((c) => (c.operation === "PutItem" || c.operation === "PutObject") && c.outcome === "ok").length;

let lost: TransactionRecord;
beforeEach(() => {
  aws = new FakeAws();
  out = "";
  err = "";
  aws.table(SURVIVOR, "txdr-failover-lock-dev").set(
    auditKey(FAILOVER),
    toItem({
      pk: auditKey(FAILOVER),
      executionId: FAILOVER,
      strategy: "unplanned",
      oldRegion: OLD,
      newRegion: SURVIVOR,
      oldWriterArn: "arn:aws:rds:us-east-1:111122223333:cluster:txdr-db-use1-dev",
      dataLossReason: "lag",
      dataLossWindow: { aurora: { from: null, to: null, basis: "x" }, dynamodb: { from: "2025-03-14T09:38:00.000Z", to: "2025-03-14T09:40:05.000Z", basis: "y" }, s3: { from: "2025-03-14T09:23:00.000Z", to: "2025-03-14T09:40:05.000Z", basis: "z" } },
    }),
  );
  lost = put(OLD, record("2025-03-14T09:39:59.000Z", { amount: "250.00", currency: "CHF" }), "txdr-txlogs-use1-dev");
  const replicated = put(OLD, record("2025-03-14T09:39:00.000Z"), "txdr-txlogs-use1-dev");
  put(SURVIVOR, replicated, "txdr-txlogs-use2-dev");
});
afterEach(() => aws.restore());

describe("npm run reconcile", () => {
  test("GIVEN no option but the incident THEN it is a dry run: the report on the console, nothing written to AWS", async () => {
    expect(await reconcileCli(["--incident", FAILOVER, "--region-survivor", SURVIVOR], io())).toBe(0);
    expect(out).toContain("Comparing us-east-1 (returned) with us-east-2 (survivor)");
    expect(out).toMatch(/missing records\s+1 \(250\.00 CHF\)/);
    expect(out).toContain(lost.transactionId);
    expect(out).toContain("rds:unplanned-global-failover-txdr-db-use1-dev-*");
    expect(out).toContain("Dry run: nothing written. To replay 1 transaction(s): add --replay --yes");
    expect(writes()).toBe(0);
  });

  test("GIVEN --out THEN the report is written to that file, without account numbers", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dr-reconcile-")), "report.json");
    expect(await reconcileCli(["--incident", FAILOVER, "--region-survivor", SURVIVOR, "--out", file], io())).toBe(0);
    const report = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(report.summary.missingRecords).toEqual({ count: 1, totals: { CHF: "250.00" } });
    expect(fs.readFileSync(file, "utf8")).not.toContain("DE89370400440532013000");
  });

  test("GIVEN --replay --yes THEN the missing transaction is written into the survivor with conditional writes, the files are kept there; a second run writes nothing new", async () => {
    expect(await reconcileCli(["--incident", FAILOVER, "--region-survivor", SURVIVOR, "--replay", "--yes"], io())).toBe(0);
    expect(out).toMatch(/records\s+1 written, 0 already there, 0 conflicts left alone/);
    expect(aws.table(SURVIVOR, TABLE).has(lost.recordKey)).toBe(true);
    expect(aws.bucket("txdr-txlogs-use2-dev").has(lost.logObjectKey)).toBe(true);
    expect([...aws.bucket("txdr-txlogs-use2-dev").keys()].filter((k) => k.startsWith("reconciliation/failover-txdr-global-dev-20250314T093000Z-0a1b2c3d4e-a1/manual-"))).toHaveLength(3);
    const dataWrites = aws.calls.filter((c) => (c.operation === "PutItem" || (c.operation === "PutObject" && c.input.Key.startsWith("transactions/"))));
    expect(dataWrites.every((c) => c.region === SURVIVOR && (c.input.ConditionExpression === "attribute_not_exists(recordKey)" || c.input.IfNoneMatch === "*"))).toBe(true);

    out = "";
    const before = aws.calls.filter((c) => c.operation === "PutItem" && c.outcome === "ok").length;
    expect(await reconcileCli(["--incident", FAILOVER, "--region-survivor", SURVIVOR, "--replay", "--yes"], io())).toBe(0);
    expect(out).toMatch(/missing records\s+0/);
    expect(out).toMatch(/records\s+0 written/);
    expect(aws.calls.filter((c) => c.operation === "PutItem" && c.outcome === "ok").length).toBe(before);
  });

  test("GIVEN a window instead of an incident THEN it compares that window", async () => {
    expect(await reconcileCli(["--from", "2025-03-14T09:39:30Z", "--to", "2025-03-14T09:40:00Z", "--region-survivor", SURVIVOR], io())).toBe(0);
    expect(out).toMatch(/missing records\s+1/);
  });

  test("GIVEN the returned region does not answer THEN it fails with exit code 1 and says why", async () => {
    aws.fail("Query", () => awsError("ServiceUnavailable", 503), { region: OLD, times: 100 });
    expect(await reconcileCli(["--incident", FAILOVER, "--region-survivor", SURVIVOR], { ...io() })).toBe(1);
    expect(err).toContain("reconcile failed: TransientError");
  });

  test.each([
    [[], "give --incident"],
    [["--incident", "failover-x"], "takes the failover execution's ARN"],
    [["--incident", FAILOVER, "--yes"], "--yes confirms --replay"],
    [["--incident", FAILOVER, "--from", "2025-01-01T00:00:00Z", "--to", "2025-01-01T01:00:00Z"], "not both"],
  ])("GIVEN %j THEN it is a usage error", async (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
    expect(await reconcileCli(argv, io())).toBe(2);
  });
});
