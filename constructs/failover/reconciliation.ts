/**
 * The reconciliation after an unplanned failover, in one region (the same
 * resources in both regions: whichever survives reconciles; see
 * docs/reconciliation.md):
 *
 * - the reconciler function (lambda/reconciler), in the private subnets with
 *   the failover security group; it reads the other region's txmeta replica
 *   (time index, records) and transaction log bucket through that region's
 *   endpoints, and writes only the report prefix and the replayed records and
 *   log objects of its own region;
 * - the reconciliation state machine (STANDARD; definition in
 *   lambda/reconciler/state-machine.ts): compare, report, page, ask for an
 *   approval (task token), replay, page;
 * - the grant that lets this region's health monitor start it once per
 *   failover (`grantStart`), and the metrics' dashboard widgets.
 *
 * Permissions, each statement one thing the code does (reconcilerStatements):
 * the audit records of the own state table (read); the other region's txmeta
 * replica: Query on the time index, BatchGetItem on the table; the own
 * replica: BatchGetItem, GetItem, PutItem (the replay's conditional writes);
 * the other region's bucket: GetObject (HeadObject) on the transaction prefix
 * and ListBucket (a missing key then answers 404, not 403); the own bucket:
 * GetObject and PutObject on the transaction prefix (HeadObject, replayed
 * log objects) and on the report prefix, ListBucket; keys through DynamoDB
 * and S3 only; the alert topic; its metric namespace.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { RegionArns, RegionCatalog } from "../../lib/catalog";
import { DrConfig } from "../../lib/config/model";
import { RECONCILER_ENVIRONMENT } from "../../lambda/reconciler/environment";
import {
  RECONCILIATION_DIMENSION_CURRENCY,
  RECONCILIATION_DIMENSION_ENVIRONMENT,
  RECONCILIATION_DIMENSION_REGION,
  RECONCILIATION_METRIC_NAMESPACE,
  RECONCILIATION_METRICS,
  REPORT_PREFIX_DEFAULT,
} from "../../lambda/reconciler/names";
import { reconciliationDefinition } from "../../lambda/reconciler/state-machine";
import { LOG_OBJECT_PREFIX } from "../../lambda/transaction-processor/log-object";
import { TIME_INDEX } from "../../lambda/transaction-processor/record";
import { DrLambdaFunction } from "../app/lambda-function";
import { DashboardWidget, graph } from "../observability/dashboards";
import { EncryptedLogGroup } from "../observability/encrypted-log-group";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";
import { BucketRef, IGrantable, KeyRef, leadingKeys, TableRef, TopicRef } from "../security/grants";
import { stateMachineStatements } from "./failover-permissions";
import { LambdaCodeSigning } from "../security/lambda-code-signing";

type Statement = DataAwsIamPolicyDocumentStatement;

/** The reconciliation section of the configuration. */
export type ReconciliationSettings = DrConfig["reconciliation"];

export const RECONCILER_MEMORY_MB = 512;
/** One compare or replay slice (MAX_RECORDS_PER_STEP records) takes seconds; five minutes leaves room for a slow peer region. */
export const RECONCILER_TIMEOUT_SECONDS = 300;
/**
 * At most two invocations at once (a monitor-started run and an operator's):
 * this bounds the reads and the replay's writes the reconciliation adds to the
 * surviving region's live tables and bucket.
 */
export const RECONCILER_RESERVED_CONCURRENCY = 2;

/** The names the reconciliation uses: the catalog of its region. */
export type ReconciliationNames = Pick<
  RegionCatalog,
  "region" | "peerRegion" | "environment" | "functions" | "functionRoles" | "functionLogGroups" | "reconciliation" | "tables" | "buckets" | "peerBuckets" | "stateTable" | "stateKeys" | "controlTable" | "controlKeys"
>;

export interface ReconciliationProps {
  readonly provider: AwsProvider;
  /** The region\'s Lambda code signing (its functions deploy only code its profile signed). */
  readonly codeSigning: LambdaCodeSigning;
  readonly account: AccountContext;
  readonly names: ReconciliationNames;
  /** ARNs of the region's keys: data (tables, buckets, the report), logs, messaging (topic), secrets (environment variables). */
  readonly keys: { readonly data: string; readonly logs: string; readonly messaging: string; readonly secrets: string };
  readonly vpc: { readonly subnetIds: string[]; readonly securityGroupId: string };
  readonly alertTopicArn: string;
  readonly settings: ReconciliationSettings;
  /** Lambda runtime (failover.lambdaRuntime). */
  readonly runtime: string;
  readonly logRetentionDays: number;
  /**
   * ARN of the permissions boundary of every role.
   * @default no boundary
   */
  readonly permissionsBoundaryArn?: string;
}

/** What the reconciler's statements are built from. */
export interface ReconcilerResources {
  readonly region: string;
  readonly peerRegion: string;
  readonly arns: RegionArns;
  readonly stateTableName: string;
  readonly auditPattern: string;
  /** approval#<execution ARN>: where a replay's pending approval keeps its task token (lambda/shared/approval.ts). */
  readonly approvalPattern: string;
  readonly tableName: string;
  readonly bucketName: string;
  readonly peerBucketName: string;
  readonly dataKeyArn: string;
  readonly messagingKeyArn: string;
  readonly topicArn: string;
}

const inRegions = (...regions: string[]) => ({ test: "StringEquals", variable: "aws:RequestedRegion", values: regions });

/** The reconciler's least-privilege statements (see the module comment). */
export function reconcilerStatements(r: ReconcilerResources): Statement[] {
  const ownTable = r.arns.table(r.tableName, r.region);
  const peerTable = r.arns.table(r.tableName, r.peerRegion);
  const own = new BucketRef(r.bucketName, r.arns.bucket(r.bucketName));
  const peer = new BucketRef(r.peerBucketName, r.arns.bucket(r.peerBucketName));
  return [
    TableRef.statement([new TableRef(r.stateTableName, r.arns.table(r.stateTableName, r.region))], { sid: "ReadFailoverAuditRecords", actions: ["dynamodb:GetItem"], items: [r.auditPattern] }),
    TableRef.statement([new TableRef(r.stateTableName, r.arns.table(r.stateTableName, r.region))], { sid: "HoldApprovalTokens", actions: ["dynamodb:PutItem"], items: [r.approvalPattern] }),
    { sid: "QueryReturnedRegionTimeIndex", effect: "Allow", actions: ["dynamodb:Query"], resources: [`${peerTable}/index/${TIME_INDEX.name}`] },
    { sid: "ReadReturnedRegionRecords", effect: "Allow", actions: ["dynamodb:BatchGetItem"], resources: [peerTable] },
    { sid: "ReadAndReplayOwnRecords", effect: "Allow", actions: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"], resources: [ownTable] },
    BucketRef.objectsStatement([peer], { sid: "ReadReturnedRegionLogObjects", actions: ["s3:GetObject"], prefix: LOG_OBJECT_PREFIX }),
    BucketRef.objectsStatement([own], { sid: "ReadAndReplayOwnLogObjects", actions: ["s3:GetObject", "s3:PutObject"], prefix: LOG_OBJECT_PREFIX }),
    BucketRef.objectsStatement([own], { sid: "WriteAndReadReports", actions: ["s3:GetObject", "s3:PutObject"], prefix: REPORT_PREFIX_DEFAULT }),
    // Without ListBucket, HeadObject of a missing key answers 403 instead of 404.
    { sid: "MissingKeysAnswer404", effect: "Allow", actions: ["s3:ListBucket"], resources: [own.bucketArn, peer.bucketArn] },
    new KeyRef(r.dataKeyArn, r.region).viaServicesStatement({
      sid: "OwnDataKeyThroughDynamoDbAndS3",
      actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      services: ["dynamodb", "s3"],
    }),
    // The peer region's data key ends in an id AWS generates: any key of the account there, only through its DynamoDB and S3.
    new KeyRef(r.arns.anyKey(r.peerRegion), r.peerRegion).viaServicesStatement({
      sid: "ReturnedRegionDataKeyThroughDynamoDbAndS3",
      actions: ["kms:Decrypt", "kms:DescribeKey"],
      services: ["dynamodb", "s3"],
    }),
    new TopicRef(r.topicArn).publishStatement("PageReportsAndApprovals"),
    new KeyRef(r.messagingKeyArn, r.region).viaServicesStatement({ sid: "MessagingKeyForEncryptedTopic", actions: ["kms:GenerateDataKey", "kms:Decrypt"], services: ["sns"] }),
    {
      sid: "PublishReconciliationMetrics",
      effect: "Allow",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: [RECONCILIATION_METRIC_NAMESPACE] }, inRegions(r.region)],
    },
  ];
}

/** The reconciler's environment (lambda/reconciler/environment.ts). */
export function reconcilerEnvironment(p: { names: ReconciliationNames; settings: ReconciliationSettings; topicArn: string; dataKeyArn: string }): Record<string, string> {
  const { names } = p;
  return RECONCILER_ENVIRONMENT.write({
    environment: names.environment,
    peerRegion: names.peerRegion,
    stateTableName: names.stateTable,
    tableName: names.tables.txmeta,
    bucketName: names.buckets.txlogs,
    peerBucketName: names.peerBuckets.txlogs,
    kmsKeyArn: p.dataKeyArn,
    topicArn: p.topicArn,
    clockSkewSeconds: p.settings.clockSkewSeconds,
    lookbackSeconds: p.settings.lookbackSeconds,
  });
}

/** Widgets of the reconciliation's metrics, for the region's dashboard. */
export function reconciliationWidgets(environment: string, region: string): DashboardWidget[] {
  const M = RECONCILIATION_METRICS;
  const dims = [RECONCILIATION_DIMENSION_ENVIRONMENT, environment, RECONCILIATION_DIMENSION_REGION, region];
  return [
    graph(`Reconciliation with the returned region: missing and conflicting (last run, ${region})`, region, [
      [RECONCILIATION_METRIC_NAMESPACE, M.missingRecords, ...dims, { stat: "Maximum" }],
      [RECONCILIATION_METRIC_NAMESPACE, M.missingObjects, ...dims, { stat: "Maximum" }],
      [RECONCILIATION_METRIC_NAMESPACE, M.conflicts, ...dims, { stat: "Maximum" }],
      [RECONCILIATION_METRIC_NAMESPACE, M.replayedRecords, ...dims, { stat: "Sum" }],
      [RECONCILIATION_METRIC_NAMESPACE, M.replayedObjects, ...dims, { stat: "Sum" }],
    ]),
    graph(`Reconciliation: amount of the missing transactions per currency (${region})`, region, [
      [
        {
          expression: `SEARCH('{${RECONCILIATION_METRIC_NAMESPACE},${RECONCILIATION_DIMENSION_ENVIRONMENT},${RECONCILIATION_DIMENSION_REGION},${RECONCILIATION_DIMENSION_CURRENCY}} MetricName="${M.missingAmount}" ${RECONCILIATION_DIMENSION_ENVIRONMENT}="${environment}" ${RECONCILIATION_DIMENSION_REGION}="${region}"', 'Maximum', 300)`,
          id: "missingamount",
        },
      ],
    ]),
  ];
}

export class Reconciliation extends Construct {
  readonly reconciler: DrLambdaFunction;
  readonly role: BoundedRole;
  readonly stateMachine: SfnStateMachine;
  readonly logGroup: EncryptedLogGroup;
  private readonly stateMachineArn: string;
  private readonly resources: { readonly arns: RegionArns; readonly names: ReconciliationNames };

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    const { provider, account, names, keys } = props;
    const arns = account.arns;
    this.resources = { arns, names };
    this.stateMachineArn = arns.reconciliationStateMachine();

    this.reconciler = new DrLambdaFunction(this, "reconciler", {
      provider,
      account,
      region: names.region,
      code: "reconciler",
      codeSigning: props.codeSigning,
      functionName: names.functions.reconciler,
      description: `Reconciliation after an unplanned failover: compares ${names.peerRegion} with ${names.region} and replays into ${names.region} (lambda/reconciler)`,
      runtime: props.runtime,
      memorySizeMb: RECONCILER_MEMORY_MB,
      timeoutSeconds: RECONCILER_TIMEOUT_SECONDS,
      reservedConcurrency: RECONCILER_RESERVED_CONCURRENCY,
      environmentKeyArn: keys.secrets,
      environment: reconcilerEnvironment({ names, settings: props.settings, topicArn: props.alertTopicArn, dataKeyArn: keys.data }),
      logGroupName: names.functionLogGroups.reconciler,
      logsKeyArn: keys.logs,
      logRetentionDays: props.logRetentionDays,
      roleName: names.functionRoles.reconciler,
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: reconcilerStatements({
        region: names.region,
        peerRegion: names.peerRegion,
        arns,
        stateTableName: names.stateTable,
        auditPattern: names.stateKeys.auditPattern,
        approvalPattern: names.stateKeys.approvalPattern,
        tableName: names.tables.txmeta,
        bucketName: names.buckets.txlogs,
        peerBucketName: names.peerBuckets.txlogs,
        dataKeyArn: keys.data,
        messagingKeyArn: keys.messaging,
        topicArn: props.alertTopicArn,
      }),
      vpc: props.vpc,
    });

    this.role = new BoundedRole(this, "runbook-role", {
      provider,
      roleName: names.reconciliation.role,
      description: `Role of the reconciliation state machine of ${names.region}`,
      assumedBy: "states.amazonaws.com",
      trustConditions: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
        { test: "ArnLike", variable: "aws:SourceArn", values: [this.stateMachineArn] },
      ],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: stateMachineStatements(this.reconciler.arn, account.arns.logsOfAccount(names.region)),
    });
    this.logGroup = new EncryptedLogGroup(this, "logs", {
      provider,
      logGroupName: names.reconciliation.logGroup,
      kmsKeyArn: keys.logs,
      retentionDays: props.logRetentionDays,
    });
    // Execution data stays out of the logs: it carries the approval's task token.
    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      provider,
      name: names.reconciliation.stateMachine,
      type: "STANDARD",
      roleArn: this.role.arn,
      definition: JSON.stringify(
        reconciliationDefinition({
          functionArn: this.reconciler.arn,
          partition: account.partition,
          settleSeconds: props.settings.settleSeconds,
          approvalTimeoutSeconds: props.settings.approvalTimeoutSeconds,
        }),
      ),
      loggingConfiguration: { level: "ALL", includeExecutionData: false, logDestination: `${this.logGroup.arn}:*` },
      tracingConfiguration: { enabled: true },
      dependsOn: this.role.node.findAll().filter((c): c is IamRolePolicy => c instanceof IamRolePolicy),
    });
  }

  /** ARN of the state machine (built from its name: the health monitor's environment needs it before it exists). */
  get arn(): string {
    return this.stateMachineArn;
  }

  /**
   * Lets a principal (this region's health monitor) start the run once per failover: read the other region's
   * fence and the failover's audit record, look for the run, start it.
   */
  grantStart(grantee: IGrantable): void {
    const { arns, names } = this.resources;
    const stateTable = arns.table(names.stateTable, names.region);
    const controlTable = arns.table(names.controlTable, names.region);
    grantee.addStatements(
      { sid: "StartReconciliation", effect: "Allow", actions: ["states:StartExecution"], resources: [this.stateMachineArn] },
      { sid: "FollowReconciliations", effect: "Allow", actions: ["states:DescribeExecution"], resources: [arns.reconciliationExecutions()] },
      { sid: "ReadPeerFenceForReconciliation", effect: "Allow", actions: ["dynamodb:GetItem"], resources: [controlTable], condition: [leadingKeys([names.controlKeys.fence(names.peerRegion)])] },
      { sid: "ReadFailoverAuditForReconciliation", effect: "Allow", actions: ["dynamodb:GetItem"], resources: [stateTable], condition: [leadingKeys([names.stateKeys.auditPattern])] },
    );
  }
}
