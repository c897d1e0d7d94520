/**
 * The single-flight lock (lambda/shared/lock.ts) against a state table that evaluates the lock's conditions
 * as DynamoDB does (support/dynamo-table.ts): two executions contend for it, re-enter it, lose it to expiry
 * and release it, and the test reads what the lock item becomes. P3: one run at a time, a crashed run's lock
 * taken over once it expired, never before.
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand, DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { ERROR_NAMES } from "../../lambda/shared/errors";
import { acquireLock, lockAvailability, LockParams, lockKey, readLock, readLockItem, releaseLock, renewLock } from "../../lambda/shared/lock";
import { createCaller } from "../../lambda/shared/retry";
import { DynamoTables } from "./support/dynamo-table";
import { awsError, AwsMocks, conditionFailed, EXEC, mockAws, OTHER_EXEC, STANDBY, STATE_TABLE, T0 } from "./support/fixtures";

const KEY = lockKey("dr-prod-global");
const NOW_S = Math.floor(T0 / 1000);
const TTL = 1800;
const SEVEN_DAYS = 7 * 86_400;

let mocks: AwsMocks;
let table: DynamoTables;
beforeEach(() => {
  mocks = mockAws();
  table = new DynamoTables(mocks.dynamodb);
});
afterEach(() => mocks.restore());

const call = createCaller({ policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => undefined });
const ddb = () => new DynamoDBClient({ region: STANDBY });
const params = (holder: string, nowMs = T0, ttlSeconds = TTL): LockParams => ({ tableName: STATE_TABLE, key: KEY, holder, nowMs, ttlSeconds });
const lock = () => table.get(STATE_TABLE, KEY);

describe("taking the lock", () => {
  it("GIVEN no lock WHEN a run takes it THEN the item names the run, its expiry, when it was taken, and a cleanup time a week after the expiry", async () => {
    const expiresAt = await acquireLock(ddb(), call, params(EXEC));
    expect(expiresAt).toBe(NOW_S + TTL);
    expect(lock()).toEqual({ pk: KEY, holder: EXEC, expiresAt: NOW_S + TTL, ttl: NOW_S + TTL + SEVEN_DAYS, acquiredAt: new Date(T0).toISOString() });
  });

  it("GIVEN another run's live lock WHEN a run tries to take it THEN LockHeldError names the holder and its expiry, and the lock is left as it was", async () => {
    await acquireLock(ddb(), call, params(OTHER_EXEC));
    const before = lock();
    const error = await acquireLock(ddb(), call, params(EXEC, T0 + 60_000)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: ERROR_NAMES.lockHeld,
      message: `Failover lock ${KEY} is held by ${OTHER_EXEC} until ${new Date((NOW_S + TTL) * 1000).toISOString()}`,
      details: { holder: OTHER_EXEC, expiresAt: NOW_S + TTL },
    });
    expect(lock()).toEqual(before);
  });

  it("GIVEN another run's lock WHEN its expiry second is now THEN it is still held; one second later it is taken over", async () => {
    await acquireLock(ddb(), call, params(OTHER_EXEC, T0, 60));
    await expect(acquireLock(ddb(), call, params(EXEC, (NOW_S + 60) * 1000 + 999))).rejects.toMatchObject({ name: ERROR_NAMES.lockHeld });
    expect(await acquireLock(ddb(), call, params(EXEC, (NOW_S + 61) * 1000))).toBe(NOW_S + 61 + TTL);
    expect(lock()).toMatchObject({ holder: EXEC, expiresAt: NOW_S + 61 + TTL });
  });

  it("GIVEN its own lock with a promotion intent stored on it WHEN the same execution takes it again (a retried step) THEN it re-enters, extends the expiry and keeps the intent", async () => {
    await acquireLock(ddb(), call, params(EXEC));
    await renewLock(ddb(), call, params(EXEC), { promotionRequestedBy: EXEC, promotionStrategy: "unplanned" });
    expect(await acquireLock(ddb(), call, params(EXEC, T0 + 30_000))).toBe(NOW_S + 30 + TTL);
    expect(lock()).toMatchObject({ holder: EXEC, expiresAt: NOW_S + 30 + TTL, promotionRequestedBy: EXEC, promotionStrategy: "unplanned", acquiredAt: new Date(T0 + 30_000).toISOString() });
  });

  it("GIVEN the lock vanished between the refused write and the read THEN LockHeldError says another execution, until unknown", async () => {
    mocks.dynamodb.on(UpdateItemCommand).rejects(conditionFailed());
    mocks.dynamodb.on(GetItemCommand).resolves({});
    await expect(acquireLock(ddb(), call, params(EXEC))).rejects.toMatchObject({
      name: ERROR_NAMES.lockHeld,
      message: `Failover lock ${KEY} is held by another execution until unknown`,
      details: { holder: undefined, expiresAt: undefined },
    });
  });

  it("GIVEN the table refuses for another reason THEN that error is not taken for a held lock", async () => {
    mocks.dynamodb.on(UpdateItemCommand).rejects(awsError("AccessDeniedException"));
    await expect(acquireLock(ddb(), call, params(EXEC))).rejects.toMatchObject({ name: "AccessDeniedException" });
    expect(mocks.dynamodb.commandCalls(GetItemCommand)).toHaveLength(0);
  });
});

describe("renewing the lock before every mutating step", () => {
  it("GIVEN its own lock WHEN the holder renews it THEN the expiry, the cleanup time and the renewal time move, the extras are stored in the same write, and the whole item comes back", async () => {
    await acquireLock(ddb(), call, params(EXEC));
    const renewed = await renewLock(ddb(), call, params(EXEC, T0 + 120_000), { promotionRequestedAt: "2025-01-01T00:02:00.000Z", replicationLagMs: 800, rpoLagMs: null });
    expect(renewed.expiresAt).toBe(NOW_S + 120 + TTL);
    const expected = {
      pk: KEY,
      holder: EXEC,
      acquiredAt: new Date(T0).toISOString(),
      expiresAt: NOW_S + 120 + TTL,
      ttl: NOW_S + 120 + TTL + SEVEN_DAYS,
      renewedAt: new Date(T0 + 120_000).toISOString(),
      promotionRequestedAt: "2025-01-01T00:02:00.000Z",
      replicationLagMs: 800,
      rpoLagMs: null,
    };
    expect(renewed.item).toEqual(expected);
    expect(lock()).toEqual(expected);
    expect(mocks.dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(2);
  });

  it("GIVEN its own lock WHEN renewed without extras THEN only the expiry, the cleanup time and the renewal time change", async () => {
    await acquireLock(ddb(), call, params(EXEC));
    await renewLock(ddb(), call, params(EXEC, T0 + 5_000));
    expect(lock()).toEqual({ pk: KEY, holder: EXEC, acquiredAt: new Date(T0).toISOString(), expiresAt: NOW_S + 5 + TTL, ttl: NOW_S + 5 + TTL + SEVEN_DAYS, renewedAt: new Date(T0 + 5_000).toISOString() });
  });

  it("GIVEN the lock expired and another run took it over WHEN the first run renews THEN LockLostError names the new holder and nothing is written", async () => {
    await acquireLock(ddb(), call, params(EXEC, T0, 60));
    await acquireLock(ddb(), call, params(OTHER_EXEC, T0 + 120_000));
    const before = lock();
    const error = await renewLock(ddb(), call, params(EXEC, T0 + 121_000), { promotionRequestedBy: EXEC }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: ERROR_NAMES.lockLost, message: `Failover lock ${KEY} is no longer held by this execution (holder: ${OTHER_EXEC})`, details: { holder: OTHER_EXEC } });
    expect(lock()).toEqual(before);
  });

  it("GIVEN no lock at all (released, or cleaned up) WHEN a run renews THEN LockLostError says there is no holder, and no lock is created", async () => {
    const error = await renewLock(ddb(), call, params(EXEC)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: ERROR_NAMES.lockLost, message: `Failover lock ${KEY} is no longer held by this execution (holder: none)` });
    expect(lock()).toBeUndefined();
  });

  it("GIVEN the table refuses for another reason THEN that error is not taken for a lost lock", async () => {
    mocks.dynamodb.on(UpdateItemCommand).rejects(awsError("ResourceNotFoundException"));
    await expect(renewLock(ddb(), call, params(EXEC))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });
});

describe("releasing the lock", () => {
  it("GIVEN its own lock WHEN the holder releases it THEN the item is gone and another run can take it at once", async () => {
    await acquireLock(ddb(), call, params(EXEC));
    expect(await releaseLock(ddb(), call, { tableName: STATE_TABLE, key: KEY, holder: EXEC })).toBe(true);
    expect(lock()).toBeUndefined();
    expect(await acquireLock(ddb(), call, params(OTHER_EXEC, T0 + 1_000))).toBe(NOW_S + 1 + TTL);
  });

  it("GIVEN another run's lock WHEN a run releases THEN the other's lock stays and the release says it did not release", async () => {
    await acquireLock(ddb(), call, params(OTHER_EXEC));
    expect(await releaseLock(ddb(), call, { tableName: STATE_TABLE, key: KEY, holder: EXEC })).toBe(false);
    expect(lock()).toMatchObject({ holder: OTHER_EXEC });
  });

  it("GIVEN no lock WHEN a run releases (a re-run after a crash) THEN nothing happens and it says it did not release", async () => {
    expect(await releaseLock(ddb(), call, { tableName: STATE_TABLE, key: KEY, holder: EXEC })).toBe(false);
  });

  it("GIVEN the table refuses for another reason THEN the release fails with that error", async () => {
    mocks.dynamodb.on(DeleteItemCommand).rejects(awsError("AccessDeniedException"));
    await expect(releaseLock(ddb(), call, { tableName: STATE_TABLE, key: KEY, holder: EXEC })).rejects.toMatchObject({ name: "AccessDeniedException" });
  });
});

describe("reading the lock", () => {
  it("reads strongly consistently: a lock just taken in this region is seen at once", async () => {
    await acquireLock(ddb(), call, params(OTHER_EXEC));
    expect(await readLock(ddb(), call, STATE_TABLE, KEY)).toEqual({ holder: OTHER_EXEC, expiresAt: NOW_S + TTL });
    expect(await readLockItem(ddb(), call, STATE_TABLE, KEY)).toMatchObject({ holder: OTHER_EXEC, acquiredAt: new Date(T0).toISOString() });
    for (const c of mocks.dynamodb.commandCalls(GetItemCommand)) expect(c.args[0].input).toMatchObject({ TableName: STATE_TABLE, Key: { pk: { S: KEY } }, ConsistentRead: true });
  });

  it("a lock item without holder or expiry (written by hand) reads as an expired lock of nobody", async () => {
    table.put(STATE_TABLE, { pk: KEY, note: "by hand" });
    const view = await readLock(ddb(), call, STATE_TABLE, KEY);
    expect(view).toEqual({ holder: "", expiresAt: 0 });
    expect(lockAvailability(view, EXEC, T0)).toBe("expired");
  });

  it("no item: no lock, and it is free", async () => {
    expect(await readLock(ddb(), call, STATE_TABLE, KEY)).toBeNull();
    expect(await readLockItem(ddb(), call, STATE_TABLE, KEY)).toBeNull();
    expect(lockAvailability(null, EXEC, T0)).toBe("free");
  });

  it("what a dry run reports agrees with what taking the lock does, at the expiry second too", async () => {
    await acquireLock(ddb(), call, params(OTHER_EXEC, T0, 60));
    for (const nowMs of [T0, (NOW_S + 60) * 1000, (NOW_S + 60) * 1000 + 999, (NOW_S + 61) * 1000]) {
      const availability = lockAvailability(await readLock(ddb(), call, STATE_TABLE, KEY), EXEC, nowMs);
      const taken = await acquireLock(ddb(), call, params(EXEC, nowMs)).then(
        () => true,
        () => false,
      );
      expect([nowMs, availability]).toEqual([nowMs, taken ? "expired" : "held"]);
      if (taken) break;
    }
  });
});
