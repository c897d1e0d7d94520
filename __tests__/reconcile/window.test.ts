/**
 * The comparison window of a reconciliation (lambda/reconciler/window.ts): what it reads of a failover's audit
 * record, which bounds it takes (and says why, in the notes the report prints), how far it widens them, and
 * which windows it refuses. Pure functions: no AWS call.
 */
import { auditFromItem, FailoverAudit, MAX_WINDOW_MINUTES, minuteBuckets, windowFromAudit, windowFromBounds } from "../../lambda/reconciler/window";
import { ERROR_NAMES } from "../../lambda/shared/errors";

const NOW = Date.parse("2025-03-14T12:00:00.000Z");
const options = { nowMs: NOW, clockSkewSeconds: 5, lookbackSeconds: 3600 };
const iso = (ms: number) => new Date(ms).toISOString();
const T = (hhmmss: string) => `2025-03-14T${hhmmss}.000Z`;

const STORES = {
  aurora: { from: T("09:59:00"), to: T("10:10:00"), basis: "Aurora lag 800 ms + 5 s margin" },
  dynamodb: { from: T("09:59:30"), to: T("10:10:00"), basis: "global-table replication allowance 7 s + 5 s margin" },
  s3: { from: T("09:44:00"), to: T("10:09:00"), basis: "S3 Replication Time Control guarantee 15 min + 5 s margin" },
};

function audit(fields: Partial<FailoverAudit> = {}): FailoverAudit {
  return {
    executionId: "exec-1",
    strategy: "unplanned",
    outcome: "succeeded",
    oldRegion: "us-east-1",
    newRegion: "eu-west-1",
    oldWriterArn: "arn:old",
    promotionRequestedAt: T("10:00:00"),
    dataLossKind: "estimated",
    dataLossReason: "Aurora replication lag at promotion 800 ms plus margin",
    estimatedDataLossMs: 5_800,
    incidentId: "i-1",
    stores: STORES,
    ...fields,
  };
}

describe("auditFromItem: what the reconciliation reads of the audit record", () => {
  const item = {
    executionId: "exec-1",
    strategy: "unplanned",
    outcome: "succeeded",
    oldRegion: "us-east-1",
    newRegion: "eu-west-1",
    oldWriterArn: "arn:old",
    promotionRequestedAt: T("10:00:00"),
    dataLossKind: "estimated",
    dataLossReason: "lag 800 ms",
    estimatedDataLossMs: 5_800,
    incidentId: "i-1",
    dataLossWindow: STORES,
  };

  it("reads every field it uses, and the window of each store", () => {
    expect(auditFromItem(item)).toEqual({
      executionId: "exec-1",
      strategy: "unplanned",
      outcome: "succeeded",
      oldRegion: "us-east-1",
      newRegion: "eu-west-1",
      oldWriterArn: "arn:old",
      promotionRequestedAt: T("10:00:00"),
      dataLossKind: "estimated",
      dataLossReason: "lag 800 ms",
      estimatedDataLossMs: 5_800,
      incidentId: "i-1",
      stores: STORES,
    });
  });

  it("reads what is missing or of the wrong type as unknown", () => {
    expect(auditFromItem({ executionId: "exec-1", strategy: 3, estimatedDataLossMs: "5800", dataLossKind: null, dataLossWindow: null })).toEqual({
      executionId: "exec-1",
      strategy: "none",
      outcome: null,
      oldRegion: "",
      newRegion: "",
      oldWriterArn: null,
      promotionRequestedAt: null,
      dataLossKind: "unknown",
      dataLossReason: "",
      estimatedDataLossMs: null,
      incidentId: null,
      stores: null,
    });
  });

  it.each<[string, unknown]>([
    ["a list", [STORES.aurora]],
    ["a string", "10:00"],
  ])("a window that is %s states no store windows", (_name, dataLossWindow) => {
    expect(auditFromItem({ ...item, dataLossWindow: dataLossWindow as never }).stores).toBeNull();
  });

  it("reads a store whose window is missing, or is not a map, as open at both ends with no basis", () => {
    const stores = auditFromItem({ ...item, dataLossWindow: { aurora: null, dynamodb: ["x"], s3: { from: 1, to: T("10:09:00") } } }).stores;
    expect(stores).toEqual({
      aurora: { from: null, to: null, basis: "" },
      dynamodb: { from: null, to: null, basis: "" },
      s3: { from: null, to: T("10:09:00"), basis: "" },
    });
  });

  it("refuses a record without an execution id", () => {
    expect(() => auditFromItem({ ...item, executionId: "" })).toThrow(expect.objectContaining({ name: ERROR_NAMES.preconditionFailed, message: "the audit record has no executionId" }));
    expect(() => auditFromItem({ ...item, executionId: 7 })).toThrow(/no executionId/);
  });
});

describe("windowFromAudit: the window of a forced failover", () => {
  it("runs from the earliest start of the DynamoDB and S3 windows to their latest end, widened by the clock skew (Aurora's is not compared here)", () => {
    const w = windowFromAudit(audit(), options);
    expect(w).toMatchObject({
      source: "audit",
      statedFrom: T("09:44:00"),
      statedTo: T("10:10:00"),
      from: T("09:43:55"),
      to: T("10:10:05"),
      clockSkewSeconds: 5,
    });
    expect(w.notes).toEqual([
      `end ${T("10:10:00")}: the audit record's (${STORES.dynamodb.basis}; ${STORES.s3.basis})`,
      `start ${T("09:44:00")}: the earliest of the DynamoDB and S3 windows of the audit record`,
      "widened by 5 s at both ends for clock skew between the regions",
    ]);
  });

  it("takes the latest end even when it is S3's", () => {
    const w = windowFromAudit(audit({ stores: { ...STORES, s3: { ...STORES.s3, to: T("10:20:00") } } }), options);
    expect(w.statedTo).toBe(T("10:20:00"));
  });

  it("compares up to now when a store's end is open (the old region was not confirmed fenced), and says so", () => {
    const w = windowFromAudit(audit({ stores: { ...STORES, s3: { ...STORES.s3, to: null } } }), options);
    expect(w.statedTo).toBe(iso(NOW));
    expect(w.notes[0]).toBe(`end open in the audit record (the old region was not confirmed fenced): compared up to now, ${iso(NOW)}`);
  });

  it("looks back LOOKBACK_SECONDS from the end when no start is known, with the audit's reason", () => {
    const open = { from: null, to: T("10:10:00"), basis: "b" };
    const w = windowFromAudit(audit({ stores: { aurora: open, dynamodb: open, s3: open }, dataLossReason: "start unknown (no detectedAt)" }), options);
    expect(w.statedFrom).toBe(T("09:10:00"));
    expect(w.notes[1]).toBe("start unknown in the audit record (start unknown (no detectedAt)): looked back 3600 s from the end");
  });

  it("takes the known start of one store when the other's is unknown", () => {
    const w = windowFromAudit(audit({ stores: { ...STORES, s3: { ...STORES.s3, from: null } } }), options);
    expect(w.statedFrom).toBe(T("09:59:30"));
  });

  it("without store windows: up to now, looking back from it, and the notes say why (with or without a reason)", () => {
    const w = windowFromAudit(audit({ stores: null, dataLossReason: "the replication lag could not be read" }), options);
    expect(w).toMatchObject({ statedFrom: iso(NOW - 3_600_000), statedTo: iso(NOW) });
    expect(w.notes[0]).toBe("the audit record states no window per store (the replication lag could not be read)");
    const bare = windowFromAudit(audit({ stores: null, dataLossReason: "" }), options);
    expect(bare.notes[0]).toBe("the audit record states no window per store (no reason given)");
    expect(bare.notes[2]).toBe("start unknown in the audit record (no reason given): looked back 3600 s from the end");
  });

  it("a start after the end is moved to the end (an empty window, not a refusal)", () => {
    const late = { from: T("10:30:00"), to: T("10:10:00"), basis: "b" };
    const w = windowFromAudit(audit({ stores: { aurora: late, dynamodb: late, s3: late } }), options);
    expect(w).toMatchObject({ statedFrom: T("10:10:00"), statedTo: T("10:10:00") });
  });

  it.each<[string, string, RegExp]>([
    ["a planned switchover", "planned", /was a planned switchover \(no data loss\): nothing to reconcile$/],
    ["no promotion", "none", /was not a forced failover \(strategy none\): nothing to reconcile$/],
  ])("refuses %s", (_name, strategy, message) => {
    expect(() => windowFromAudit(audit({ strategy }), options)).toThrow(expect.objectContaining({ name: ERROR_NAMES.preconditionFailed, message: expect.stringMatching(message) }));
  });

  it.each<[string, Partial<FailoverAudit["stores"] & object>, string]>([
    ["an end", { s3: { ...STORES.s3, to: "yesterday" } }, 'dataLossWindow.to is not an ISO date-time: "yesterday"'],
    ["a start", { s3: { ...STORES.s3, from: "soon" } }, 'dataLossWindow.from is not an ISO date-time: "soon"'],
  ])("refuses %s that is not a time", (_name, patch, message) => {
    expect(() => windowFromAudit(audit({ stores: { ...STORES, ...patch } }), options)).toThrow(expect.objectContaining({ name: ERROR_NAMES.preconditionFailed, message }));
  });
});

describe("windowFromBounds: an operator's window", () => {
  it("is widened like the audit's and says who gave it", () => {
    const w = windowFromBounds(T("10:00:00"), T("10:30:00"), options);
    expect(w).toEqual({
      source: "manual",
      from: T("09:59:55"),
      to: T("10:30:05"),
      statedFrom: T("10:00:00"),
      statedTo: T("10:30:00"),
      clockSkewSeconds: 5,
      notes: [`given by an operator: ${T("10:00:00")} to ${T("10:30:00")}`, "widened by 5 s at both ends for clock skew between the regions"],
    });
  });

  it("accepts a window of one instant", () => {
    expect(windowFromBounds(T("10:00:00"), T("10:00:00"), options).statedTo).toBe(T("10:00:00"));
  });

  it("refuses a window that ends before it starts", () => {
    expect(() => windowFromBounds(T("10:30:00"), T("10:00:00"), options)).toThrow(
      expect.objectContaining({ name: ERROR_NAMES.preconditionFailed, message: `the window ends (${T("10:00:00")}) before it starts (${T("10:30:00")})` }),
    );
  });

  it("refuses bounds that are not times, naming the option", () => {
    expect(() => windowFromBounds("noon", T("10:00:00"), options)).toThrow('--from is not an ISO date-time: "noon"');
    expect(() => windowFromBounds(T("10:00:00"), "later", options)).toThrow('--to is not an ISO date-time: "later"');
  });

  it(`compares at most ${MAX_WINDOW_MINUTES} minute buckets (7 days) in one run`, () => {
    const noSkew = { ...options, clockSkewSeconds: 0 };
    const start = Date.parse(T("00:00:00"));
    // MAX_WINDOW_MINUTES buckets: the first minute through the one MAX_WINDOW_MINUTES - 1 minutes later.
    const fits = windowFromBounds(iso(start), iso(start + (MAX_WINDOW_MINUTES - 1) * 60_000), noSkew);
    expect(minuteBuckets(fits)).toHaveLength(MAX_WINDOW_MINUTES);
    expect(() => windowFromBounds(iso(start), iso(start + MAX_WINDOW_MINUTES * 60_000), noSkew)).toThrow(
      expect.objectContaining({ name: ERROR_NAMES.preconditionFailed, message: `the window spans ${MAX_WINDOW_MINUTES + 1} minutes; at most ${MAX_WINDOW_MINUTES} (7 days) are compared in one run` }),
    );
  });

  it("stops counting buckets just past the limit, however long the window", () => {
    const start = Date.parse(T("00:00:00"));
    expect(minuteBuckets({ from: iso(start), to: iso(start + 365 * 86_400_000) })).toHaveLength(MAX_WINDOW_MINUTES + 2);
  });
});
