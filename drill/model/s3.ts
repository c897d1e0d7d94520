/**
 * An S3 model for the drill (the AWS model, aws-model.ts, has none): the
 * buckets of the synthesized app with their regions, objects with their user
 * metadata, conditional writes, and cross-region replication from the
 * synthesized replication configurations.
 *
 * - PutObject: `IfNoneMatch: "*"` answers 412 PreconditionFailed when the key
 *   exists (S3 conditional writes); otherwise the object is (over)written.
 * - HeadObject / GetObject: 404 NotFound / NoSuchKey for a missing key (the
 *   callers hold s3:ListBucket); GetObject's Body has transformToString.
 * - ListObjectsV2: by prefix, 1000 keys a page, ContinuationToken.
 * - Replication (aws_s3_bucket_replication_configuration: source bucket ->
 *   destination bucket ARN): every object written by a client is copied to the
 *   destination `replicationDelayMs` later, while both regions are up and not
 *   partitioned; a pending copy waits meanwhile (S3 keeps an object PENDING
 *   through a temporary failure, and replicates it when it can). A replica is
 *   not replicated again, and keeps its source write time: a copy older than
 *   the destination's current object does not replace it (a modelling
 *   assumption, last writer wins as in a global table; S3 keeps versions, this
 *   model only the current one). `hold` keeps chosen copies pending (a
 *   backlog that has not drained yet), as the DynamoDB model's replicationHold does.
 *
 * A call is routed to the bucket's region (whatever the client's region) and
 * goes through the network model from the caller's region.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { TerraformApp } from "../terraform/app";
import { AwsModel, ModelExtension } from "./aws-model";
import { CommandClass, CommandRouter } from "./command-router";
import { callerAndRegion } from "./ddb-index";
import { awsError, unreachable } from "./errors";

export interface S3Object {
  readonly body: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly writtenAtMs: number;
  /** Written by replication, not by a client. */
  readonly replica: boolean;
  readonly sse?: string;
  readonly kmsKeyId?: string;
}

export interface PendingCopy {
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly sourceRegion: string;
  readonly destinationRegion: string;
  readonly key: string;
  readonly object: S3Object;
  readonly dueMs: number;
}

export interface S3Call {
  readonly operation: string;
  readonly bucket: string;
  readonly key?: string;
  readonly caller: string | undefined;
  readonly atMs: number;
  outcome?: string;
}

export interface S3ModelOptions {
  readonly buckets: readonly { readonly name: string; readonly region: string }[];
  readonly replication: readonly { readonly source: string; readonly destination: string }[];
  /** Time from a client's write to the copy in the destination bucket. @default 10000 */
  readonly replicationDelayMs?: number;
}

export class S3Model implements ModelExtension {
  readonly buckets = new Map<string, { region: string; objects: Map<string, S3Object> }>();
  readonly calls: S3Call[] = [];
  pending: PendingCopy[] = [];
  /** Copies kept pending while this says so. */
  hold: ((copy: PendingCopy) => boolean) | null = null;
  readonly replicationDelayMs: number;
  private readonly routes: readonly { readonly source: string; readonly destination: string }[];
  private router: CommandRouter | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private model: AwsModel | null = null;

  constructor(options: S3ModelOptions) {
    for (const b of options.buckets) this.buckets.set(b.name, { region: b.region, objects: new Map() });
    this.routes = options.replication;
    this.replicationDelayMs = options.replicationDelayMs ?? 10_000;
  }

  /** The buckets and replication routes of a synthesized app. */
  static fromApp(app: TerraformApp, options: { replicationDelayMs?: number } = {}): S3Model {
    const buckets = app.resources("aws_s3_bucket").map((b) => ({ name: String(app.resolve(b.stack, b.body.bucket as never)), region: b.region }));
    const replication = app.resources("aws_s3_bucket_replication_configuration").flatMap((r) => {
      const body = app.resolve(r.stack, r.body as never) as { bucket: string; rule?: { destination: { bucket: string } }[] };
      return (body.rule ?? []).map((rule) => ({ source: String(body.bucket), destination: String(rule.destination.bucket).split(":::").pop() as string }));
    });
    return new S3Model({ buckets, replication, ...(options.replicationDelayMs !== undefined ? { replicationDelayMs: options.replicationDelayMs } : {}) });
  }

  objects(bucket: string): Map<string, S3Object> {
    const b = this.buckets.get(bucket);
    if (!b) throw new Error(`S3Model: no bucket ${bucket}`);
    return b.objects;
  }

  regionOf(bucket: string): string {
    const b = this.buckets.get(bucket);
    if (!b) throw awsError("NoSuchBucket", `The specified bucket does not exist: ${bucket}`, "client", 404);
    return b.region;
  }

  install(model: AwsModel): void {
    this.model = model;
    const router = CommandRouter.install(S3Client, (input) => {
      throw new Error(`S3Model: command not modelled (input ${JSON.stringify(input)})`);
    });
    this.router = router;
    const on = <I extends { Bucket: string; Key?: string }>(command: CommandClass, operation: string, fn: (input: I, objects: Map<string, S3Object>) => unknown) =>
      router.on(command, async (input: I, getClient) => {
        const { caller } = await callerAndRegion(getClient);
        const call: S3Call = { operation, bucket: input.Bucket, ...(input.Key !== undefined ? { key: input.Key } : {}), caller, atMs: this.now() };
        this.calls.push(call);
        try {
          const region = this.regionOf(input.Bucket);
          if (!model.network.canCallApi(caller, region)) throw unreachable(region);
          this.deliver();
          const result = fn(input, this.objects(input.Bucket));
          call.outcome = "ok";
          return result;
        } catch (error) {
          call.outcome = (error as Error).name;
          throw error;
        }
      });
    on(PutObjectCommand, "PutObject", (input: { Bucket: string; Key: string; Body?: unknown; IfNoneMatch?: string; Metadata?: Record<string, string>; ServerSideEncryption?: string; SSEKMSKeyId?: string }, objects) => {
      if (input.IfNoneMatch === "*" && objects.has(input.Key)) throw awsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "client", 412);
      const object: S3Object = {
        body: String(input.Body ?? ""),
        metadata: { ...(input.Metadata ?? {}) },
        writtenAtMs: this.now(),
        replica: false,
        ...(input.ServerSideEncryption ? { sse: input.ServerSideEncryption } : {}),
        ...(input.SSEKMSKeyId ? { kmsKeyId: input.SSEKMSKeyId } : {}),
      };
      objects.set(input.Key, object);
      this.replicate(input.Bucket, input.Key, object);
      return { ETag: `"${object.writtenAtMs.toString(16)}"` };
    });
    on(HeadObjectCommand, "HeadObject", (input: { Bucket: string; Key: string }, objects) => {
      const object = objects.get(input.Key);
      if (!object) throw awsError("NotFound", "Not Found", "client", 404);
      return { Metadata: { ...object.metadata }, ContentLength: object.body.length, LastModified: new Date(object.writtenAtMs) };
    });
    on(GetObjectCommand, "GetObject", (input: { Bucket: string; Key: string }, objects) => {
      const object = objects.get(input.Key);
      if (!object) throw awsError("NoSuchKey", "The specified key does not exist.", "client", 404);
      return { Metadata: { ...object.metadata }, Body: { transformToString: async () => object.body } };
    });
    on(ListObjectsV2Command, "ListObjectsV2", (input: { Bucket: string; Prefix?: string; ContinuationToken?: string; MaxKeys?: number }, objects) => {
      const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? "")).sort();
      const after = input.ContinuationToken ? keys.filter((k) => k > (input.ContinuationToken as string)) : keys;
      const page = after.slice(0, input.MaxKeys ?? 1000);
      const truncated = after.length > page.length;
      return { Contents: page.map((Key) => ({ Key })), KeyCount: page.length, IsTruncated: truncated, ...(truncated ? { NextContinuationToken: page[page.length - 1] } : {}) };
    });
    // Deliveries happen on their own too, every virtual second.
    this.timer = setInterval(() => this.deliver(), 1_000);
  }

  restore(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.router?.restore();
    this.router = null;
  }

  /** Copies due, whose regions can reach each other and that are not held, land in their destination. */
  deliver(): void {
    const model = this.model;
    if (!model) return;
    const now = this.now();
    const remaining: PendingCopy[] = [];
    for (const copy of this.pending) {
      if (copy.dueMs > now || !model.network.replicationOpen(copy.sourceRegion, copy.destinationRegion) || this.hold?.(copy) === true) {
        remaining.push(copy);
        continue;
      }
      // Modelling assumption: a copy older than the destination's current object (by the time it was written
      // in its source) does not become current, the way a global table resolves the same race.
      const current = this.objects(copy.destinationBucket).get(copy.key);
      if (current && current.writtenAtMs > copy.object.writtenAtMs) continue;
      this.objects(copy.destinationBucket).set(copy.key, { ...copy.object, replica: true });
    }
    this.pending = remaining;
  }

  private replicate(bucket: string, key: string, object: S3Object): void {
    for (const route of this.routes.filter((r) => r.source === bucket)) {
      const destination = this.buckets.get(route.destination);
      if (!destination) continue;
      this.pending.push({ sourceBucket: bucket, destinationBucket: route.destination, sourceRegion: this.regionOf(bucket), destinationRegion: destination.region, key, object, dueMs: this.now() + this.replicationDelayMs });
    }
  }

  private now(): number {
    return Date.now();
  }
}
