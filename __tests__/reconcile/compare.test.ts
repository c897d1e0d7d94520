/**
 * The comparison on crafted windows (lambda/reconciler/compare.ts, window.ts):
 * empty, boundary timestamps, clock skew within the margin, pagination across
 * index pages and invocations, conflicts, objects, and a second comparison
 * after the gaps are filled.
 */
import { compareWindow, CompareResult, Finding } from "../../lambda/reconciler/compare";
import { classify, summarize } from "../../lambda/reconciler/report";
import { minuteBuckets, windowFromBounds } from "../../lambda/reconciler/window";
import { FakeRegion, NEW, record, sources } from "./fakes";

const FROM = "2025-03-14T09:30:00.000Z";
const TO = "2025-03-14T09:45:00.000Z";
const at = (iso: string, deltaMs: number) => new Date(Date.parse(iso) + deltaMs).toISOString();
const windowOf = (from = FROM, to = TO, clockSkewSeconds = 0) => windowFromBounds(from, to, { nowMs: Date.parse(to), clockSkewSeconds, lookbackSeconds: 3600 });

/** Runs compareWindow to the end, one invocation per `maxRecords`, and merges the slices. */
async function compareAll(returned: FakeRegion, survivor: FakeRegion, window = windowOf(), maxRecords = 2000): Promise<CompareResult & { invocations: number }> {
  let cursor: CompareResult["cursor"] = { bucket: 0, startKey: null };
  const merged: { findings: Finding[]; replayable: CompareResult["replayable"]; counts?: CompareResult["counts"]; pages: number } = { findings: [], replayable: [], pages: 0 };
  let invocations = 0;
  while (cursor) {
    // The cursor goes through JSON, as it does through the state machine.
    const slice: CompareResult = await compareWindow(sources(returned, survivor), window, JSON.parse(JSON.stringify(cursor)), maxRecords);
    invocations++;
    merged.findings.push(...slice.findings);
    merged.replayable.push(...slice.replayable);
    merged.pages += slice.pages;
    merged.counts = merged.counts
      ? {
          records: Object.fromEntries(Object.entries(merged.counts.records).map(([k, v]) => [k, v + slice.counts.records[k as keyof typeof slice.counts.records]])) as CompareResult["counts"]["records"],
          objects: Object.fromEntries(Object.entries(merged.counts.objects).map(([k, v]) => [k, v + slice.counts.objects[k as keyof typeof slice.counts.objects]])) as CompareResult["counts"]["objects"],
        }
      : slice.counts;
    cursor = slice.cursor;
    if (invocations > 1000) throw new Error("no progress");
  }
  return { ...merged, counts: merged.counts!, cursor: null, invocations };
}

const ids = (findings: readonly Finding[]) => findings.map((f) => f.transactionId).sort();

describe("the window", () => {
  test("GIVEN a window of 15 minutes THEN it spans 16 minute buckets of the time index, the first and last partial", () => {
    const buckets = minuteBuckets(windowOf(at(FROM, 12_345), at(TO, 59_000)));
    expect(buckets[0]).toBe("2025-03-14T09:30");
    expect(buckets[buckets.length - 1]).toBe("2025-03-14T09:45");
    expect(buckets).toHaveLength(16);
  });

  test("GIVEN a clock-skew margin THEN the query bounds are widened at both ends and the stated window is kept", () => {
    const w = windowOf(FROM, TO, 5);
    expect([w.from, w.to, w.statedFrom, w.statedTo]).toEqual([at(FROM, -5000), at(TO, 5000), FROM, TO]);
    expect(minuteBuckets(w)[0]).toBe("2025-03-14T09:29");
  });
});

describe("comparing the returned region with the survivor", () => {
  test("GIVEN an empty window THEN nothing is found, one query per minute, and the cursor ends", async () => {
    const returned = new FakeRegion();
    const result = await compareAll(returned, new FakeRegion());
    expect(result.findings).toEqual([]);
    expect(result.counts.records.compared).toBe(0);
    // toStrictEqual: a query past the last bucket (bucket undefined) must fail this, and toEqual ignores undefined items.
    expect(returned.queries.map((q) => q.bucket)).toStrictEqual(minuteBuckets(windowOf()));
    expect(result.pages).toBe(returned.queries.length);
  });

  test("GIVEN records at exactly the window's bounds and one millisecond outside THEN exactly those at the bounds are compared (inclusive)", async () => {
    const returned = new FakeRegion();
    const inside = [returned.put(record(FROM)), returned.put(record(TO)), returned.put(record(at(FROM, 60_000)))];
    returned.put(record(at(FROM, -1)));
    returned.put(record(at(TO, 1)));
    const result = await compareAll(returned, new FakeRegion());
    expect(ids(result.findings)).toEqual(inside.map((r) => r.transactionId).sort());
    expect(result.findings.every((f) => f.record === "missing" && f.object === "missing")).toBe(true);
  });

  test("GIVEN the returned region's clock ran 3 s ahead WHEN the margin is 5 s THEN a record accepted just before the end is found; without the margin it is not", async () => {
    const returned = new FakeRegion();
    // Accepted 1 s before the stated end by true time, stamped 3 s later by the old region's clock.
    const skewed = returned.put(record(at(TO, -1000 + 3000)));
    // And one accepted at the stated start by a clock 3 s behind.
    const early = returned.put(record(at(FROM, -3000)));
    const withMargin = await compareAll(returned, new FakeRegion(), windowOf(FROM, TO, 5));
    expect(ids(withMargin.findings)).toEqual([skewed.transactionId, early.transactionId].sort());
    const withoutMargin = await compareAll(returned, new FakeRegion(), windowOf(FROM, TO, 0));
    expect(ids(withoutMargin.findings)).toEqual([]);
  });

  test("GIVEN 250 records in one minute, index pages of 7 and 50 records per invocation THEN every record is compared once, across invocations that resume from the cursor", async () => {
    const returned = new FakeRegion(7);
    const survivor = new FakeRegion();
    const all = Array.from({ length: 250 }, (_, i) => returned.put(record(at("2025-03-14T09:31:00.000Z", i * 100))));
    // Half of them replicated before the failure.
    all.filter((_, i) => i % 2 === 0).forEach((r) => survivor.put(r));
    const result = await compareAll(returned, survivor, windowOf(), 50);
    // Five invocations of 50 records each, and a sixth that sweeps the remaining empty minutes.
    expect(result.invocations).toBe(6);
    expect(result.counts.records).toMatchObject({ compared: 250, present: 125, missing: 125 });
    expect(ids(result.findings)).toEqual(all.filter((_, i) => i % 2 === 1).map((r) => r.transactionId).sort());
    expect(new Set(ids(result.findings)).size).toBe(125);
    // Pages resumed with DynamoDB's LastEvaluatedKey, never from the start of the minute again.
    const minute = returned.queries.filter((q) => q.bucket === "2025-03-14T09:31");
    expect(minute.filter((q) => q.startKey === null)).toHaveLength(1);
    expect(minute.every((q) => q.limit <= 50)).toBe(true);
  });

  test("GIVEN records spread over the window's minutes THEN the time index finds them minute by minute and nothing outside is read", async () => {
    const returned = new FakeRegion();
    const within = Array.from({ length: 30 }, (_, i) => returned.put(record(at(FROM, i * 31_000))));
    const outside = Array.from({ length: 30 }, (_, i) => returned.put(record(at(TO, (i + 1) * 61_000))));
    const result = await compareAll(returned, new FakeRegion());
    expect(ids(result.findings)).toEqual(within.map((r) => r.transactionId).sort());
    expect(ids(result.findings)).not.toEqual(expect.arrayContaining([outside[0]!.transactionId]));
  });

  test("GIVEN the survivor holds the same payload under the id (replicated, or a client's retry there) THEN it is present, not listed, whatever its region and receivedAt", async () => {
    const returned = new FakeRegion();
    const survivor = new FakeRegion();
    const r = returned.put(record(at(FROM, 10_000), { transactionId: "retried" }));
    // The client retried in the survivor after the failover: same payload, other region and time.
    survivor.put(record(at(TO, 60_000), { transactionId: "retried", timestamp: r.timestamp }, NEW));
    const result = await compareAll(returned, survivor);
    expect(result.findings).toEqual([]);
    expect(result.counts.records).toMatchObject({ compared: 1, present: 1 });
  });

  test("GIVEN the survivor holds another payload under the same id THEN it is a conflict, listed with both hashes, its amount totalled apart, and never replayable", async () => {
    const returned = new FakeRegion();
    const survivor = new FakeRegion();
    const mine = returned.put(record(at(FROM, 5000), { transactionId: "clash", amount: "100.00" }));
    const theirs = survivor.put(record(at(TO, 1000), { transactionId: "clash", amount: "999.99", timestamp: mine.timestamp }, NEW));
    const missing = returned.put(record(at(FROM, 6000), { amount: "1.05", currency: "USD" }));
    const result = await compareAll(returned, survivor);
    const { conflicts, missingRecords } = classify(result.findings);
    expect(conflicts).toEqual([expect.objectContaining({ transactionId: "clash", record: "conflict", object: "conflict", payloadSha256: mine.payloadSha256, survivorPayloadSha256: theirs.payloadSha256 })]);
    expect(ids(missingRecords)).toEqual([missing.transactionId]);
    expect(result.replayable.map((r) => r.transactionId)).toEqual([missing.transactionId]);
    expect(summarize(result.findings, result.counts, result.replayable.length)).toMatchObject({
      missingRecords: { count: 1, totals: { USD: "1.05" } },
      conflicts: { count: 1, totals: { EUR: "100.00" } },
      replayable: 1,
    });
  });

  test("GIVEN log objects missing, absent everywhere, or different in the survivor THEN each is classified, and only the first two are replayable", async () => {
    const returned = new FakeRegion();
    const survivor = new FakeRegion();
    const objectLagged = returned.put(record(at(FROM, 1000)));
    survivor.put(objectLagged, false);
    const neverWritten = returned.put(record(at(FROM, 2000)), false);
    survivor.put(neverWritten, false);
    const differs = returned.put(record(at(FROM, 3000)));
    survivor.put(differs, false);
    survivor.objects.set(differs.logObjectKey, "f".repeat(64));
    const result = await compareAll(returned, survivor);
    const byId = Object.fromEntries(result.findings.map((f) => [f.transactionId, [f.record, f.object]]));
    expect(byId).toEqual({ [objectLagged.transactionId]: ["present", "missing"], [neverWritten.transactionId]: ["present", "absent-both"], [differs.transactionId]: ["present", "conflict"] });
    expect(result.replayable.map((r) => r.transactionId).sort()).toEqual([objectLagged.transactionId, neverWritten.transactionId].sort());
    expect(classify(result.findings).missingObjects.map((f) => f.transactionId).sort()).toEqual([objectLagged.transactionId, neverWritten.transactionId].sort());
  });

  test("GIVEN the gaps were filled (what a replay writes) WHEN the window is compared again THEN only the conflict remains: a second comparison is idempotent", async () => {
    const returned = new FakeRegion();
    const survivor = new FakeRegion();
    const rs = Array.from({ length: 12 }, (_, i) => returned.put(record(at(FROM, i * 40_000))));
    const clash = returned.put(record(at(FROM, 999), { transactionId: "clash" }));
    survivor.put(record(at(TO, 0), { transactionId: "clash", amount: "5.00", timestamp: clash.timestamp }, NEW));
    const first = await compareAll(returned, survivor);
    expect(first.replayable).toHaveLength(12);
    for (const r of first.replayable) survivor.put(r);
    const second = await compareAll(returned, survivor);
    expect(second.replayable).toEqual([]);
    expect(ids(second.findings)).toEqual(["clash"]);
    const third = await compareAll(returned, survivor);
    expect(third.findings).toEqual(second.findings);
    expect(rs).toHaveLength(12);
  });

  test("GIVEN a record listed by the index but gone from the returned replica when read THEN it is counted as vanished, not compared", async () => {
    const returned = new FakeRegion();
    const r = returned.put(record(at(FROM, 1000)));
    const s = sources(returned, new FakeRegion());
    const gone = { ...s, returned: { ...s.returned, records: { get: async () => new Map() } } };
    const result = await compareWindow(gone, windowOf(), { bucket: 0, startKey: null }, 2000);
    expect(result.counts.records).toMatchObject({ compared: 0, vanished: 1 });
    expect(result.findings).toEqual([]);
    expect(r.transactionId).toBeDefined();
  });
});

describe("what the comparison says about each transaction and log object", () => {
  test("GIVEN log objects missing, absent everywhere, or different THEN the object counts say so (absent everywhere counts as missing)", async () => {
    const returned = new FakeRegion();
    const survivor = new FakeRegion();
    survivor.put(returned.put(record(at(FROM, 1000))), false);
    survivor.put(returned.put(record(at(FROM, 2000)), false), false);
    const differs = survivor.put(returned.put(record(at(FROM, 3000))), false);
    survivor.objects.set(differs.logObjectKey, "f".repeat(64));
    survivor.put(returned.put(record(at(FROM, 4000))));
    const result = await compareAll(returned, survivor);
    expect(result.counts).toEqual({ records: { compared: 4, present: 4, missing: 0, conflict: 0, vanished: 0 }, objects: { present: 1, missing: 2, conflict: 1 } });
  });

  test("GIVEN each kind of object conflict THEN the finding says why, with the survivor's hash when it has an object", async () => {
    const returned = new FakeRegion();
    const survivor = new FakeRegion();
    const otherPayload = survivor.put(returned.put(record(at(FROM, 1000))), false);
    survivor.objects.set(otherPayload.logObjectKey, "f".repeat(64));
    const noMetadata = survivor.put(returned.put(record(at(FROM, 2000))), false);
    survivor.objects.set(noMetadata.logObjectKey, null);
    const ownDisagrees = survivor.put(returned.put(record(at(FROM, 3000)), false), false);
    returned.objects.set(ownDisagrees.logObjectKey, "0".repeat(64));
    const neverWritten = survivor.put(returned.put(record(at(FROM, 4000)), false), false);
    const lagged = survivor.put(returned.put(record(at(FROM, 5000))), false);
    const result = await compareAll(returned, survivor);
    const by = (id: string) => {
      const found = result.findings.find((f) => f.transactionId === id);
      if (!found) throw new Error(`no finding ${id}`);
      return { object: found.object, detail: found.detail, survivorObjectSha256: found.survivorObjectSha256 };
    };
    expect(by(otherPayload.transactionId)).toEqual({ object: "conflict", detail: "the survivor's log object holds another payload", survivorObjectSha256: "f".repeat(64) });
    expect(by(noMetadata.transactionId)).toEqual({ object: "conflict", detail: "the survivor's log object has no payload-sha256 metadata", survivorObjectSha256: null });
    expect(by(ownDisagrees.transactionId)).toEqual({ object: "conflict", detail: "the returned region's log object disagrees with its own record", survivorObjectSha256: undefined });
    expect(by(neverWritten.transactionId)).toEqual({ object: "absent-both", detail: "no log object in either region: the replay rebuilds it from the record", survivorObjectSha256: undefined });
    expect(by(lagged.transactionId)).toEqual({ object: "missing", detail: undefined, survivorObjectSha256: undefined });
    const lag = result.findings.find((f) => f.transactionId === lagged.transactionId);
    expect(lag && "detail" in lag).toBe(false);
    expect(result.replayable.map((r) => r.transactionId).sort()).toEqual([neverWritten.transactionId, lagged.transactionId].sort());
  });

  test("GIVEN a record the survivor lacks whose own log object disagrees with it THEN it is listed and not replayed", async () => {
    const returned = new FakeRegion();
    const bad = returned.put(record(at(FROM, 1000)), false);
    returned.objects.set(bad.logObjectKey, "0".repeat(64));
    const result = await compareAll(returned, new FakeRegion());
    expect(result.findings).toEqual([expect.objectContaining({ transactionId: bad.transactionId, record: "missing", object: "conflict" })]);
    expect(result.replayable).toEqual([]);
  });

  test("GIVEN another payload under the id in both stores THEN the finding names both reasons and both of the survivor's hashes", async () => {
    const returned = new FakeRegion();
    const survivor = new FakeRegion();
    const mine = returned.put(record(at(FROM, 5000), { transactionId: "clash", amount: "100.00" }));
    const theirs = survivor.put(record(at(FROM, 5000), { transactionId: "clash", amount: "999.99", timestamp: mine.timestamp }));
    expect(theirs.logObjectKey).toBe(mine.logObjectKey);
    const [finding] = (await compareAll(returned, survivor)).findings;
    expect(finding).toMatchObject({
      record: "conflict",
      object: "conflict",
      survivorPayloadSha256: theirs.payloadSha256,
      survivorObjectSha256: theirs.payloadSha256,
      detail: "the survivor holds another payload under this client's transactionId; the survivor's log object holds another payload",
    });
  });

  test("GIVEN only the record missing THEN the finding carries no survivor hash and no detail", async () => {
    const returned = new FakeRegion();
    const r = returned.put(record(at(FROM, 1000)));
    const [finding] = (await compareAll(returned, new FakeRegion())).findings;
    expect(finding).toEqual({
      recordKey: r.recordKey,
      clientId: r.clientId,
      transactionId: r.transactionId,
      amount: r.amount,
      currency: r.currency,
      receivedAt: r.receivedAt,
      region: r.region,
      logObjectKey: r.logObjectKey,
      payloadSha256: r.payloadSha256,
      record: "missing",
      object: "missing",
    });
  });

  test("GIVEN 250 records in one index page THEN they are read 100 keys at a time at most (BatchGetItem's limit), each once", async () => {
    const returned = new FakeRegion();
    Array.from({ length: 250 }, (_, i) => returned.put(record(at("2025-03-14T09:31:00.000Z", i * 100))));
    const s = sources(returned, new FakeRegion());
    const asked: number[] = [];
    const counting = { ...s, survivor: { ...s.survivor, records: { get: (ids: readonly string[]) => (asked.push(ids.length), s.survivor.records.get(ids)) } } };
    const result = await compareWindow(counting, windowOf(), { bucket: 0, startKey: null }, 2000);
    expect(asked).toEqual([100, 100, 50]);
    expect(result.counts.records.compared).toBe(250);
    expect(new Set(result.findings.map((f) => f.recordKey)).size).toBe(250);
  });

  test("GIVEN a cursor past the window's last minute THEN nothing is read and the window is done", async () => {
    const returned = new FakeRegion();
    const result = await compareWindow(sources(returned, new FakeRegion()), windowOf(), { bucket: minuteBuckets(windowOf()).length, startKey: null }, 2000);
    expect(result).toEqual({ findings: [], replayable: [], counts: expect.anything(), cursor: null, pages: 0 });
    expect(returned.queries).toEqual([]);
  });

  test("GIVEN heads looked up with a concurrency of 2 THEN no more than 2 are in flight, and every record is compared", async () => {
    const returned = new FakeRegion();
    Array.from({ length: 9 }, (_, i) => returned.put(record(at(FROM, i * 1000))));
    const s = sources(returned, new FakeRegion());
    let inFlight = 0;
    let most = 0;
    const head = async (key: string) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return s.survivor.objects.head(key);
    };
    const result = await compareWindow({ ...s, concurrency: 2, survivor: { ...s.survivor, objects: { head } } }, windowOf(), { bucket: 0, startKey: null }, 2000);
    expect(most).toBe(2);
    expect(result.counts.records.compared).toBe(9);
  });
});
