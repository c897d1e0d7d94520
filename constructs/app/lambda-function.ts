/**
 * One of the project's Lambda functions, with everything it runs with:
 *
 * - the reproducible code asset (constructs/app/lambda-bundle.ts), uploaded and
 *   signed with the region's AWS Signer profile, and a code signing
 *   configuration that refuses any code that profile did not sign
 *   (constructs/security/lambda-code-signing.ts);
 * - its own log group, encrypted with the region's logs key and kept for the
 *   configured retention (the function logs there through `logging_config`,
 *   not to an implicit /aws/lambda group that nothing would encrypt or expire);
 * - its execution role: a BoundedRole (permissions boundary from
 *   configuration) with the statements every function in a VPC needs (its own
 *   log group, X-Ray, its network interfaces in its own subnets and security
 *   group) plus the caller's least-privilege statements;
 * - X-Ray active tracing, the VPC configuration, optional reserved concurrency;
 * - its environment variables encrypted at rest with a customer-managed key of
 *   its region (not Lambda's AWS-managed aws/lambda key), which the role may
 *   decrypt through Lambda only (Lambda decrypts them with the execution role
 *   when it starts an execution environment);
 * - optionally, for asynchronously invoked functions, an on-failure
 *   destination (an SQS queue) and a short event age: a stale scheduled check
 *   is worth nothing, a record of why it failed is.
 *
 * The function is created only after its role's policies and its log group:
 * Lambda checks the network-interface and destination permissions when it
 * creates the function and the invoke configuration.
 */
import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";
import { LambdaCodeSigning, SignedCode } from "../security/lambda-code-signing";
import { EncryptedLogGroup } from "../observability/encrypted-log-group";
import { LAMBDA_HANDLER, LambdaCodeAsset, LambdaName, lambdaBundle } from "./lambda-bundle";

/** Graviton: the bundles are plain JavaScript (no native modules), and arm64 costs less per GB-second. */
export const LAMBDA_ARCHITECTURE = "arm64";

export interface LambdaVpcPlacement {
  /** Private subnets the function's network interfaces live in. */
  readonly subnetIds: string[];
  /** Security group of the function (no inbound; HTTPS out). */
  readonly securityGroupId: string;
}

export interface AsyncFailureHandling {
  /** ARN of the SQS queue that receives a record of each failed or expired invocation. */
  readonly onFailureQueueArn: string;
  /**
   * Oldest event Lambda still runs; older ones go to the queue (60 to 21600).
   * @default 60
   */
  readonly maximumEventAgeSeconds?: number;
  /**
   * Retries of a failed asynchronous invocation (0 to 2).
   * @default 0
   */
  readonly maximumRetryAttempts?: number;
}

export interface DrLambdaFunctionProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly region: string;
  /** Which bundle (lambda/<name>/index.ts) the function runs. */
  readonly code: LambdaName;
  /** The region's code signing: the bundle is deployed as its profile signed it, and nothing else can be. */
  readonly codeSigning: LambdaCodeSigning;
  readonly functionName: string;
  readonly description: string;
  /** Lambda runtime, e.g. nodejs22.x (failover.lambdaRuntime). */
  readonly runtime: string;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  /** Every environment variable the function's configuration loader reads. */
  readonly environment: Record<string, string>;
  /** ARN of the customer-managed key of the function's region that encrypts its environment variables. */
  readonly environmentKeyArn: string;
  readonly logGroupName: string;
  /** ARN of the region's logs key. */
  readonly logsKeyArn: string;
  readonly logRetentionDays: number;
  readonly roleName: string;
  /**
   * ARN of the permissions boundary of the role(s) created here (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
  /** What the function's code calls, each statement naming its resources. */
  readonly statements: DataAwsIamPolicyDocumentStatement[];
  /**
   * Subnets and security group of the function's network interfaces.
   * @default outside any VPC (Lambda's own network): only for a function that reaches public endpoints alone and must
   * keep working when the region's VPC, NAT gateways or endpoints do not (the paging forwarder)
   */
  readonly vpc?: LambdaVpcPlacement;
  /**
   * Concurrent executions reserved for (and the most allowed to) the function.
   * @default none: the function shares the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * On-failure destination and event age for asynchronous invocations.
   * @default none: Lambda's defaults (two retries, six hours), nothing kept on failure
   */
  readonly asyncFailure?: AsyncFailureHandling;
}

export class DrLambdaFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: BoundedRole;
  readonly logGroup: EncryptedLogGroup;
  readonly code: LambdaCodeAsset;
  readonly signedCode: SignedCode;
  readonly invokeConfig?: LambdaFunctionEventInvokeConfig;

  constructor(scope: Construct, id: string, props: DrLambdaFunctionProps) {
    super(scope, id);
    const { provider, account, region } = props;
    this.logGroup = new EncryptedLogGroup(this, "logs", {
      provider,
      logGroupName: props.logGroupName,
      kmsKeyArn: props.logsKeyArn,
      retentionDays: props.logRetentionDays,
    });
    this.role = new BoundedRole(this, "role", {
      provider,
      roleName: props.roleName,
      description: `Execution role of the ${props.functionName} function`,
      assumedBy: "lambda.amazonaws.com",
      // Against the confused deputy: only Lambda acting for this account may assume the role (as the
      // Synthetics canaries' role, which Lambda also assumes, already is).
      trustConditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [
        ...runtimeStatements({ account, region, logGroupArn: this.logGroup.arn, vpc: props.vpc, environmentKeyArn: props.environmentKeyArn }),
        ...props.statements,
      ],
    });
    const rolePolicies: ITerraformDependable[] = this.role.node.findAll().filter((c): c is IamRolePolicy => c instanceof IamRolePolicy);

    const bundle = lambdaBundle(props.code, this);
    this.code = new LambdaCodeAsset(this, "code", { bundle });
    this.signedCode = props.codeSigning.sign(this, provider, { name: props.code, path: this.code.path, sha256Hex: bundle.sha256Hex });
    this.function = new LambdaFunction(this, "function", {
      provider,
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: props.runtime,
      architectures: [LAMBDA_ARCHITECTURE],
      handler: LAMBDA_HANDLER,
      // The signed object: its key is new for each signing job, and a job runs exactly when the bundle changes.
      s3Bucket: this.signedCode.s3Bucket,
      s3Key: this.signedCode.s3Key,
      codeSigningConfigArn: this.signedCode.codeSigningConfigArn,
      memorySize: props.memorySizeMb,
      timeout: props.timeoutSeconds,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: { variables: sortedRecord(props.environment) },
      kmsKeyArn: props.environmentKeyArn,
      tracingConfig: { mode: "Active" },
      vpcConfig: props.vpc ? { subnetIds: props.vpc.subnetIds, securityGroupIds: [props.vpc.securityGroupId] } : undefined,
      // The code writes one JSON line per event itself; Text keeps those lines as they are.
      loggingConfig: { logFormat: "Text", logGroup: this.logGroup.logGroup.name },
      dependsOn: [...rolePolicies, this.logGroup.logGroup],
    });

    if (props.asyncFailure) {
      this.invokeConfig = new LambdaFunctionEventInvokeConfig(this, "async", {
        provider,
        functionName: this.function.functionName,
        maximumEventAgeInSeconds: props.asyncFailure.maximumEventAgeSeconds ?? 60,
        maximumRetryAttempts: props.asyncFailure.maximumRetryAttempts ?? 0,
        destinationConfig: { onFailure: { destination: props.asyncFailure.onFailureQueueArn } },
        dependsOn: rolePolicies,
      });
    }
  }

  get arn(): string {
    return this.function.arn;
  }

  get functionName(): string {
    return this.function.functionName;
  }
}

/** Environment variables in name order, so the synthesized JSON does not depend on insertion order. */
function sortedRecord(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * What any function of the project needs to run in its VPC: the semantics of
 * the AWS managed AWSLambdaVPCAccessExecutionRole policy, scoped to its own log
 * group, its own subnets and security group, and this account and region.
 */
export function runtimeStatements(p: {
  account: AccountContext;
  region: string;
  logGroupArn: string;
  vpc?: LambdaVpcPlacement;
  environmentKeyArn: string;
}): DataAwsIamPolicyDocumentStatement[] {
  const ec2 = (resource: string) => p.account.arns.ec2(resource);
  const vpc = p.vpc;
  return [
    {
      sid: "WriteOwnLogGroup",
      effect: "Allow",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [p.logGroupArn, `${p.logGroupArn}:*`],
    },
    {
      // Lambda decrypts the environment variables with the execution role's credentials; without this the
      // function depends on the grant Lambda creates on the key, which is lost when the role is recreated.
      sid: "DecryptOwnEnvironment",
      effect: "Allow",
      actions: ["kms:Decrypt"],
      resources: [p.environmentKeyArn],
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`lambda.${p.region}.amazonaws.com`] }],
    },
    {
      sid: "XRayTraces",
      effect: "Allow",
      // No resource-level permissions exist for these.
      actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      resources: ["*"],
    },
    ...(vpc
      ? [
          {
            sid: "CreateInterfacesInOwnSubnetsAndGroup",
            effect: "Allow",
            actions: ["ec2:CreateNetworkInterface"],
            resources: [ec2("network-interface/*"), ...vpc.subnetIds.map((id) => ec2(`subnet/${id}`)), ec2(`security-group/${vpc.securityGroupId}`)],
          },
          {
            sid: "ManageInterfacesOfThisAccountAndRegion",
            effect: "Allow",
            actions: ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            resources: [ec2("network-interface/*")],
          },
          {
            sid: "DescribeNetwork",
            effect: "Allow",
            // Describe* calls support no resource-level permissions. No condition either: Lambda checks
            // these permissions itself when it creates the function, and a refused check fails the deploy.
            actions: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            resources: ["*"],
          },
        ]
      : []),
  ];
}
