/**
 * CloudWatch Synthetics canaries in one region, probing both regional
 * endpoints and the global name, with artifacts in an encrypted bucket of the
 * region and an alarm on each canary's success rate. From each region, each
 * target: a regional outage shows up as both regions' canaries failing on
 * that region's endpoint, a network partition as only one.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Construct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SyntheticsCanary } from "@cdktf/provider-aws/lib/synthetics-canary";
import { AwsRegion } from "../../lib/aws-regions";
import { RemovalPolicy } from "../../lib/removal";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";
import { reproducibleZipOf } from "../app/lambda-bundle";
import { SecureBucket } from "../data/secure-bucket";

export const CANARY_SCRIPT = path.resolve(__dirname, "..", "..", "canary", "endpoint-check.js");
/** Below this share of successful runs the canary's alarm fires. */
export const CANARY_SUCCESS_THRESHOLD_PERCENT = 90;

export interface CanaryTarget {
  /** Short label that ends the canary name: pri, sec or gbl. */
  readonly label: "pri" | "sec" | "gbl";
  readonly canaryName: string;
  readonly alarmName: string;
  readonly url: string;
}

export interface CanariesProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly region: AwsRegion;
  readonly targets: readonly CanaryTarget[];
  readonly artifactBucketName: string;
  readonly roleName: string;
  /**
   * ARN of the permissions boundary of the role(s) created here (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
  /** ARN of the region's data key (artifacts). */
  readonly dataKeyArn: string;
  readonly runtimeVersion: string;
  readonly intervalMinutes: number;
  readonly alertTopicArn: string;
  readonly artifactRetentionDays: number;
  /**
   * Server access logging of the artifact bucket, to the region's access-log bucket (by name).
   * @default no server access logging
   */
  readonly accessLogBucket?: string;
  /**
   * "destroy": the artifact bucket can be destroyed with its objects; "retain": prevent_destroy.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
}

/** The canary code as a zip with one entry at the path Node.js runtimes load, byte-identical on every synthesis. */
export function canaryZip(): Uint8Array {
  const script = fs.readFileSync(CANARY_SCRIPT);
  return reproducibleZipOf({ "nodejs/node_modules/endpoint-check.js": script });
}

export class Canaries extends Construct {
  readonly canaries: SyntheticsCanary[] = [];
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: CanariesProps) {
    super(scope, id);
    const { provider, account, region } = props;
    const artifacts = new SecureBucket(this, "artifacts", {
      provider,
      bucketName: props.artifactBucketName,
      kmsKeyArn: props.dataKeyArn,
      noncurrentVersionExpirationDays: 7,
      expirationDays: props.artifactRetentionDays,
      accessLogBucket: props.accessLogBucket,
      removal: props.removal ?? "retain",
    });
    const zip = canaryZip();
    // Named by content: the same code is the same file, and no directory is left per synthesis.
    const zipPath = path.join(os.tmpdir(), "dr-assets", `canary-${crypto.createHash("sha256").update(zip).digest("hex").slice(0, 16)}.zip`);
    // Written once and atomically: other processes (parallel syntheses) read the same file by the same name.
    if (!fs.existsSync(zipPath)) {
      fs.mkdirSync(path.dirname(zipPath), { recursive: true });
      const partial = `${zipPath}.${process.pid}.tmp`;
      fs.writeFileSync(partial, zip);
      fs.renameSync(partial, zipPath);
    }
    const code = new TerraformAsset(this, "code", { path: zipPath, type: AssetType.FILE });
    const role = new BoundedRole(this, "role", {
      provider,
      roleName: props.roleName,
      description: `Runs the endpoint canaries in ${region}`,
      assumedBy: "lambda.amazonaws.com",
      trustConditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [
        { sid: "WriteArtifacts", effect: "Allow", actions: ["s3:PutObject", "s3:GetObject"], resources: [`${artifacts.bucket.arn}/*`] },
        { sid: "LocateArtifactBucket", effect: "Allow", actions: ["s3:GetBucketLocation"], resources: [artifacts.bucket.arn] },
        // Synthetics lists buckets when it starts; the action has no resource-level permissions.
        { sid: "ListBuckets", effect: "Allow", actions: ["s3:ListAllMyBuckets"], resources: ["*"] },
        {
          sid: "EncryptArtifacts",
          effect: "Allow",
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          resources: [props.dataKeyArn],
          condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`s3.${region}.amazonaws.com`] }],
        },
        {
          sid: "WriteCanaryLogs",
          effect: "Allow",
          actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [account.arns.canaryLogGroups],
        },
        {
          sid: "PublishCanaryMetrics",
          effect: "Allow",
          actions: ["cloudwatch:PutMetricData"],
          resources: ["*"],
          condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["CloudWatchSynthetics"] }],
        },
        { sid: "SendTraces", effect: "Allow", actions: ["xray:PutTraceSegments"], resources: ["*"] },
      ],
    });
    for (const target of props.targets) {
      const canary = new SyntheticsCanary(this, target.label, {
        provider,
        name: target.canaryName,
        runtimeVersion: props.runtimeVersion,
        executionRoleArn: role.arn,
        handler: "endpoint-check.handler",
        zipFile: code.path,
        artifactS3Location: `s3://${artifacts.bucket.id}/${target.label}/`,
        artifactConfig: { s3Encryption: { encryptionMode: "SSE_KMS", kmsKeyArn: props.dataKeyArn } },
        schedule: { expression: `rate(${props.intervalMinutes} ${props.intervalMinutes === 1 ? "minute" : "minutes"})` },
        runConfig: { timeoutInSeconds: 30, activeTracing: true, environmentVariables: { TARGET_URL: target.url } },
        startCanary: true,
        successRetentionPeriod: 7,
        failureRetentionPeriod: 31,
        deleteLambda: true,
      });
      this.canaries.push(canary);
      this.alarms.push(
        new CloudwatchMetricAlarm(this, `${target.label}-success`, {
          provider,
          alarmName: target.alarmName,
          alarmDescription: `Canary ${target.canaryName} in ${region} (${target.url}) succeeds less than ${CANARY_SUCCESS_THRESHOLD_PERCENT} %.`,
          namespace: "CloudWatchSynthetics",
          metricName: "SuccessPercent",
          dimensions: { CanaryName: target.canaryName },
          statistic: "Average",
          period: props.intervalMinutes * 60,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          comparisonOperator: "LessThanThreshold",
          threshold: CANARY_SUCCESS_THRESHOLD_PERCENT,
          // A canary that stops reporting is as bad as one that fails.
          treatMissingData: "breaching",
          alarmActions: [props.alertTopicArn],
          okActions: [props.alertTopicArn],
        }),
      );
    }
  }
}
