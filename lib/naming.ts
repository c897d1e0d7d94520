/**
 * Every physical name the project emits is built here, from the project name,
 * a purpose, (for global namespaces) a region code, and the environment suffix.
 *
 * The purposes per kind are a closed list, so configuration validation can
 * build every name the project will ever emit and check it against AWS's
 * limits before a single construct exists: a suffix that would make one name
 * too long fails synthesis, not `terraform apply`.
 */
import { AwsRegion, regionCode } from "./aws-regions";

export interface NameRule {
  /** What the name is, as a person would say it in an error message. */
  readonly label: string;
  readonly maxLength: number;
  readonly minLength?: number;
  readonly pattern: RegExp;
  /** The characters AWS allows, for the error message. */
  readonly allowed: string;
  /** Global namespace (or shared by both regions' copies): the region code is part of the name. */
  readonly regional: boolean;
  /** Separator between the words of the name; some kinds allow no hyphen. */
  readonly separator?: "-" | "_";
}

/**
 * AWS naming rules per kind of resource. Each limit is the documented API limit:
 * S3 (bucket naming rules), ELBv2 CreateLoadBalancer / CreateTargetGroup (32),
 * RDS DBClusterIdentifier (63), IAM CreateRole (64), Lambda FunctionName (64),
 * Step Functions CreateStateMachine (80), DynamoDB TableName (255), SQS (80),
 * SNS (256), Synthetics CreateCanary (21, lowercase), AWS Backup vault and plan
 * names (50), restore testing plan names (50, letters, digits and underscores),
 * EventBridge rule (64) and bus (256), global endpoint (64), CloudWatch dashboard
 * (255), WAF web ACL (128), CloudTrail trail (128), ECR repository (256), SSM document (128).
 */
export const NAME_RULES = {
  s3Bucket: {
    label: "S3 bucket name",
    maxLength: 63,
    minLength: 3,
    pattern: /^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    allowed: "lowercase letters, digits and single hyphens",
    regional: true,
  },
  dynamodbTable: {
    label: "DynamoDB table name",
    maxLength: 255,
    minLength: 3,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    allowed: "letters, digits, '_', '.' and '-'",
    regional: false,
  },
  loadBalancer: {
    label: "load balancer name",
    maxLength: 32,
    pattern: /^(?!internal-)[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/,
    allowed: "letters, digits and hyphens, not starting or ending with a hyphen",
    regional: false,
  },
  targetGroup: {
    label: "target group name",
    maxLength: 32,
    pattern: /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/,
    allowed: "letters, digits and hyphens, not starting or ending with a hyphen",
    regional: false,
  },
  rdsIdentifier: {
    label: "RDS identifier",
    maxLength: 63,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    allowed: "lowercase letters, digits and single hyphens, starting with a letter",
    regional: true,
  },
  rdsGlobalCluster: {
    label: "RDS global cluster identifier",
    maxLength: 63,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    allowed: "lowercase letters, digits and single hyphens, starting with a letter",
    regional: false,
  },
  iamRole: {
    label: "IAM role name",
    maxLength: 64,
    pattern: /^[\w+=,.@-]+$/,
    allowed: "letters, digits and +=,.@_-",
    regional: true,
  },
  lambdaFunction: {
    label: "Lambda function name",
    maxLength: 64,
    pattern: /^[a-zA-Z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    regional: false,
  },
  stateMachine: {
    label: "Step Functions state machine name",
    maxLength: 80,
    pattern: /^[a-zA-Z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    regional: false,
  },
  sqsQueue: {
    label: "SQS queue name",
    maxLength: 80,
    pattern: /^[a-zA-Z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    regional: false,
  },
  snsTopic: {
    label: "SNS topic name",
    maxLength: 256,
    pattern: /^[a-zA-Z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    regional: false,
  },
  canary: {
    label: "Synthetics canary name",
    maxLength: 21,
    pattern: /^[0-9a-z_-]+$/,
    allowed: "lowercase letters, digits, '-' and '_'",
    regional: false,
  },
  backupVault: {
    label: "AWS Backup vault name",
    maxLength: 50,
    minLength: 2,
    pattern: /^[a-zA-Z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    regional: false,
  },
  backupPlan: {
    label: "AWS Backup plan name",
    maxLength: 50,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    allowed: "letters, digits, '-', '_' and '.'",
    regional: false,
  },
  restoreTestingPlan: {
    label: "AWS Backup restore testing plan name",
    maxLength: 50,
    pattern: /^[a-zA-Z][a-zA-Z0-9_]*$/,
    allowed: "letters, digits and '_', starting with a letter",
    regional: false,
    separator: "_",
  },
  eventRule: {
    label: "EventBridge rule name",
    maxLength: 64,
    pattern: /^[.\-_A-Za-z0-9]+$/,
    allowed: "letters, digits, '.', '-' and '_'",
    regional: false,
  },
  eventBus: {
    label: "EventBridge event bus name",
    maxLength: 256,
    pattern: /^[.\-_A-Za-z0-9]+$/,
    allowed: "letters, digits, '.', '-' and '_'",
    regional: false,
  },
  globalEndpoint: {
    label: "EventBridge global endpoint name",
    maxLength: 64,
    pattern: /^[A-Za-z0-9-]+$/,
    allowed: "letters, digits and '-'",
    regional: false,
  },
  alarm: {
    label: "CloudWatch alarm name",
    maxLength: 255,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    allowed: "letters, digits, '.', '-' and '_'",
    regional: false,
  },
  gateAlarm: {
    label: "CloudWatch alarm name",
    maxLength: 255,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    allowed: "letters, digits, '.', '-' and '_'",
    regional: true,
  },
  dashboard: {
    label: "CloudWatch dashboard name",
    maxLength: 255,
    pattern: /^[a-zA-Z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    regional: true,
  },
  wafWebAcl: {
    label: "WAF web ACL name",
    maxLength: 128,
    pattern: /^[\w-]+$/,
    allowed: "letters, digits, '-' and '_'",
    regional: false,
  },
  cloudTrail: {
    label: "CloudTrail trail name",
    maxLength: 128,
    minLength: 3,
    pattern: /^[a-zA-Z0-9](?!.*[-_.]{2})[a-zA-Z0-9._-]*[a-zA-Z0-9]$/,
    allowed: "letters, digits, '.', '_' and '-', starting and ending with a letter or digit",
    regional: false,
  },
  ecrRepository: {
    label: "ECR repository name",
    maxLength: 256,
    minLength: 2,
    pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
    allowed: "lowercase letters, digits and single '.', '_' or '-'",
    regional: false,
  },
  ssmDocument: {
    // SSM CreateDocument: 3 to 128 characters of letters, digits, '_', '-' and '.'; AWS reserves the prefixes aws, amazon and amzn.
    label: "SSM document name",
    maxLength: 128,
    minLength: 3,
    pattern: /^(?!aws|amazon|amzn)[a-zA-Z0-9_.-]+$/i,
    allowed: "letters, digits, '_', '-' and '.', not starting with aws, amazon or amzn",
    regional: false,
  },
  ecs: {
    label: "ECS cluster, service or task family name",
    maxLength: 255,
    pattern: /^[a-zA-Z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    regional: false,
  },
  securityGroup: {
    label: "security group name",
    maxLength: 255,
    pattern: /^(?!sg-)[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/,
    allowed: "letters, digits and ._-:/()#,@[]+=&;{}!$*, not starting with sg-",
    regional: false,
  },
  secret: {
    label: "Secrets Manager secret name",
    maxLength: 512,
    pattern: /^[a-zA-Z0-9/_+=.@-]+$/,
    allowed: "letters, digits and /_+=.@-",
    regional: false,
  },
  signingProfile: {
    // Terraform's name_prefix of aws_signer_signing_profile: ^[0-9A-Za-z_]{0,38}$; the catalog appends "_" before
    // the unique part Terraform adds (profile names can never be reused once cancelled, so the name is not fixed).
    label: "AWS Signer signing profile name prefix",
    maxLength: 37,
    pattern: /^[0-9A-Za-z_]+$/,
    allowed: "letters, digits and '_'",
    regional: false,
    separator: "_",
  },
  generic: {
    label: "resource name",
    maxLength: 255,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    allowed: "letters, digits, '.', '-' and '_'",
    regional: false,
  },
} as const satisfies Record<string, NameRule>;

export type NameKind = keyof typeof NAME_RULES;

/**
 * The purposes each kind of resource is named for. Adding a resource means
 * adding its purpose here, which puts its name under validation at once.
 */
export const NAME_PURPOSES = {
  s3Bucket: ["tfstate", "appdata", "txlogs", "alblogs", "s3logs", "canary", "trail", "lambda"],
  dynamodbTable: ["tflock", "sessions", "txmeta", "control", "failover-lock", "failover-audit"],
  loadBalancer: ["app"],
  targetGroup: ["app", "tx"],
  // "db-16" stands for the longest instance identifier (see Naming.dbInstance).
  rdsIdentifier: ["db", "db-16"],
  rdsGlobalCluster: ["global"],
  iamRole: [
    "ecs-task",
    "ecs-exec",
    "rds-monitoring",
    "s3-replication",
    "backup",
    "flow-logs",
    "health-monitor",
    "failover-orchestrator",
    "failover-runbook",
    "failover-operator",
    "canary",
    "transaction-processor",
    "event-replication",
    "trail-logs",
    "fis-stop-tasks",
    "fis-disrupt-network",
    "fis-db-writer",
    "fis-db-failover",
    "fis-automation",
    "reconciler",
    "reconcile-runbook",
    "paging-forwarder",
  ],
  lambdaFunction: ["health-monitor", "failover-orchestrator", "transaction-processor", "reconciler", "paging-forwarder"],
  stateMachine: ["failover", "failback", "reconcile"],
  sqsQueue: ["health-monitor-dlq", "failover-dlq", "paging-dlq"],
  snsTopic: ["alerts", "failover-events"],
  canary: ["pri", "sec", "gbl"],
  backupVault: ["vault", "airgap"],
  backupPlan: ["plan"],
  restoreTestingPlan: ["restoretest"],
  eventRule: ["health-monitor-schedule", "backup-job-failed", "copy-job-failed", "restore-job-failed"],
  eventBus: ["events"],
  globalEndpoint: ["events"],
  alarm: ["rpo-guard", "canary-pri", "canary-sec", "canary-gbl", "paging-failed"],
  gateAlarm: ["gate"],
  dashboard: ["dr", "dr-overview"],
  wafWebAcl: ["app"],
  cloudTrail: ["audit"],
  ecrRepository: ["app"],
  ecs: ["app"],
  securityGroup: ["alb", "tasks", "transactions", "db", "failover", "endpoints"],
  secret: ["db-master", "paging"],
  ssmDocument: ["game-day-failover"],
  signingProfile: ["lambda"],
  generic: [
    "vpc",
    "igw",
    "nat",
    "public",
    "private",
    "isolated",
    "peering",
    "flow-logs",
    "app-cpu",
    "app-requests",
    "game-day",
    "game-day-stop-tasks",
    "game-day-disrupt-network",
    "game-day-db-writer",
    "game-day-db-failover",
  ],
} as const satisfies { [K in NameKind]: readonly string[] };

export type NamePurpose<K extends NameKind> = (typeof NAME_PURPOSES)[K][number];

export interface NamingInput {
  readonly project: string;
  readonly suffix: string;
}

/** Builds names; carries no state beyond the project and suffix. */
export class Naming {
  constructor(private readonly input: NamingInput) {}

  /**
   * The name of one resource. Regional kinds (S3, IAM, RDS identifiers shared
   * through the global cluster, dashboards) need the region they belong to.
   */
  name<K extends NameKind>(kind: K, purpose: NamePurpose<K>, region?: AwsRegion): string {
    const rule: NameRule = NAME_RULES[kind];
    const separator = rule.separator ?? "-";
    const words: string[] = [this.input.project, purpose.replace(/-/g, separator)];
    if (rule.regional) {
      if (!region) throw new Error(`${rule.label} for "${purpose}" needs a region: the name lives in a shared namespace`);
      words.push(regionCode(region));
    }
    words.push(this.input.suffix);
    return words.join(separator);
  }

  /** Identifier of the n-th (0-based) instance of a region's cluster: txdr-db-01-use1-prd. */
  dbInstance(region: AwsRegion, index: number): string {
    return `${this.input.project}-db-${String(index + 1).padStart(2, "0")}-${regionCode(region)}-${this.input.suffix}`;
  }

  /** KMS alias names; aliases are regional, so both regions use the same alias. */
  kmsAlias(purpose: string): string {
    return `alias/${this.input.project}-${purpose}-${this.input.suffix}`;
  }

  /** Name tag of one of several numbered things (subnets, route tables, NAT gateways): the index precedes the suffix. */
  indexed(purpose: NamePurpose<"generic">, index: number): string {
    return `${this.input.project}-${purpose}-${index + 1}-${this.input.suffix}`;
  }

  /** CloudWatch Logs group name (up to 512 characters; '/' separates the project, suffix and purpose). */
  logGroup(purpose: string): string {
    return `/${this.input.project}/${this.input.suffix}/${purpose}`;
  }

  /** SSM parameter name under the environment's path, read by workloads in the same region. */
  parameter(name: string): string {
    return `/${this.input.project}/${this.input.suffix}/${name}`;
  }
}

export interface NameViolation {
  readonly kind: NameKind;
  readonly purpose: string;
  readonly name: string;
  readonly rule: NameRule;
  readonly problem: "too-long" | "too-short" | "characters";
}

/** Every name the project can emit for these regions, checked against its rule. */
export function checkAllNames(input: NamingInput, regions: readonly AwsRegion[]): NameViolation[] {
  const naming = new Naming(input);
  const violations: NameViolation[] = [];
  for (const kind of Object.keys(NAME_PURPOSES) as NameKind[]) {
    const rule: NameRule = NAME_RULES[kind];
    for (const purpose of NAME_PURPOSES[kind] as readonly string[]) {
      const regionsForKind: readonly (AwsRegion | undefined)[] = rule.regional ? regions : [undefined];
      for (const region of regionsForKind) {
        const name = naming.name(kind, purpose as NamePurpose<typeof kind>, region);
        if (name.length > rule.maxLength) violations.push({ kind, purpose, name, rule, problem: "too-long" });
        else if (name.length < (rule.minLength ?? 1)) violations.push({ kind, purpose, name, rule, problem: "too-short" });
        else if (!rule.pattern.test(name)) violations.push({ kind, purpose, name, rule, problem: "characters" });
      }
    }
  }
  return violations;
}

/** The longest suffix that keeps every name within its limit, for the error message. */
export function maxSuffixLength(input: NamingInput, regions: readonly AwsRegion[]): number {
  const naming = new Naming({ ...input, suffix: "" });
  let max = Number.POSITIVE_INFINITY;
  for (const kind of Object.keys(NAME_PURPOSES) as NameKind[]) {
    const rule: NameRule = NAME_RULES[kind];
    for (const purpose of NAME_PURPOSES[kind] as readonly string[]) {
      for (const region of rule.regional ? regions : [undefined]) {
        const fixed = naming.name(kind, purpose as NamePurpose<typeof kind>, region).length;
        max = Math.min(max, rule.maxLength - fixed);
      }
    }
  }
  return Math.max(0, max);
}
