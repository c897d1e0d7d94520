/**
 * The configuration schema: the single source of truth for what a customer can
 * vary. Every field carries a description (documentation is generated from it)
 * and every optional field a default. Shape is checked here; rules that relate
 * fields to each other live in `validate.ts`, which runs after this parse.
 */
import { z } from "zod";
import { AWS_REGION_NAMES } from "../aws-regions";
import { INTERFACE_ENDPOINT_SERVICES } from "../endpoint-services";
import { DEFAULT_ENGINE_VERSIONS, mysqlVersionsText, postgresVersionsText } from "./data/aurora-engines";
import { globalDatabaseFamilies } from "./data/instance-classes";
import { SUPPORTED_PUPPETEER_RUNTIMES } from "./data/synthetics-runtimes";

/** Tag keys the project sets itself on every resource (through provider default tags). */
export const RESERVED_TAG_KEYS = ["Environment", "DR-Role", "Project", "ManagedBy", "Stack"] as const;

/** CloudWatch Logs accepts only these retention periods (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** A strict object whose unknown-key error lists the keys that are allowed. */
function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; allowed keys are: ${allowed}`
        : undefined,
  });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: () => `must be one of: ${values.join(", ")}` });
}

function integer(min: number, max: number, what = "a whole number") {
  const allowed = `${what} from ${min} to ${max}`;
  return z
    .number({ error: () => `must be ${allowed}` })
    .int({ error: () => `must be ${allowed}` })
    .min(min, { error: () => `must be ${allowed}` })
    .max(max, { error: () => `must be ${allowed}` });
}

/** A duration in whole seconds; zero, negatives, fractions and strings are refused. */
function durationSeconds(max: number) {
  return integer(1, max, "a positive duration in whole seconds");
}

/** Subnet tiers the disrupt-network game day may cut off (the isolated database tier is not among them). */
export const GAME_DAY_SUBNET_TIERS = ["private", "public"] as const;

/** An AWS FIS target selection mode (targets.html#target-selection-mode). */
const GAME_DAY_SELECTION_MODE = /^(ALL|COUNT\((\d+)\)|PERCENT\((\d+)\))$/;

function selectionModeInRange(mode: string): boolean {
  const m = GAME_DAY_SELECTION_MODE.exec(mode);
  if (!m) return false;
  if (m[2] !== undefined) return Number(m[2]) >= 1 && Number(m[2]) <= 1000;
  if (m[3] !== undefined) return Number(m[3]) >= 1 && Number(m[3]) <= 100;
  return true;
}

/**
 * An IAM role ARN, or an ArnLike pattern of role ARNs (`*` and `?` in the path and name only), as policy
 * conditions on aws:PrincipalArn compare it: every principal the project names (deploy, break-glass, operator and
 * key-administrator roles) is compared by the role's ARN, which is also what an assumed-role session presents.
 */
const ROLE_ARN = /^arn:(aws|aws-us-gov|aws-cn):iam::\d{12}:role\/[A-Za-z0-9+=,.@_\/*?-]{1,512}$/;

function roleArnList(what: string, max: number) {
  return z
    .array(
      z
        .string()
        .regex(ROLE_ARN, {
          error: () => "must be an IAM role ARN such as arn:aws:iam::123456789012:role/deploy (wildcards * and ? allowed in the role's path and name)",
        })
        .refine((arn) => !/:role\/[*?/]*$/.test(arn), { error: () => "must name roles, not every role of the account (role/*)" }),
    )
    .max(max, { error: () => `must list at most ${max} ${what}` })
    .refine((arns) => new Set(arns).size === arns.length, { error: () => "must not name a role twice" });
}

const region = oneOf(AWS_REGION_NAMES as unknown as readonly [string, ...string[]]).describe(
  "An AWS region code, for example us-east-1.",
);

const cidr = z
  .string({ error: () => "must be an IPv4 CIDR block such as 10.10.0.0/16" })
  .describe(
    "An IPv4 CIDR block from /16 to /24 (AWS allows /16 to /28; the project needs room for three subnet tiers in up to six " +
      "zones), with the host bits zero, for example 10.10.0.0/16. Use a private range (10.0.0.0/8, 172.16.0.0/12, " +
      "192.168.0.0/16); loopback, link-local, multicast, 0.0.0.0/8, 240.0.0.0/4 and the documentation and benchmarking " +
      "blocks are refused.",
  );

const capacityRange = (defaults: { min: number; max: number }, role: string) =>
  strictObject({
    min: integer(1, 1000)
      .default(defaults.min)
      .describe(`Minimum number of running tasks while this region is the ${role} region (the scalable target minimum).`),
    max: integer(1, 1000)
      .default(defaults.max)
      .describe(`Maximum number of running tasks while this region is the ${role} region (the scalable target maximum).`),
  })
    .prefault({})
    .describe(`Task count bounds for the region that is currently ${role}.`);

const provisionedCapacity = strictObject({
  mode: z.literal("provisioned").describe("Provisioned DB instances of a fixed class."),
  instanceClass: z
    .string()
    .regex(/^db\.[a-z0-9]+(\.[a-z0-9]+)?$/, { error: () => "must be an RDS instance class such as db.r6g.large" })
    .default("db.r6g.large")
    .describe(
      "RDS instance class for every instance in both regions. A global database takes memory-optimized classes only " +
        `(families ${globalDatabaseFamilies()}); burstable db.t* and general-purpose db.m* classes are refused. Default db.r6g.large.`,
    ),
});

const serverlessCapacity = strictObject({
  mode: z.literal("serverless-v2").describe("Aurora Serverless v2 instances (db.serverless)."),
  minAcu: z
    .number({ error: () => "must be a number of ACUs from 0.5 to 256 in steps of 0.5" })
    .min(0.5, { error: () => "must be at least 0.5 ACU (global databases do not support auto-pause at 0 ACU)" })
    .max(256, { error: () => "must be at most 256 ACU" })
    .multipleOf(0.5, { error: () => "must be a multiple of 0.5 ACU" })
    .default(0.5)
    .describe("Serverless v2 minimum capacity in Aurora capacity units. Default 0.5."),
  maxAcu: z
    .number({ error: () => "must be a number of ACUs from 1 to 256 in steps of 0.5" })
    .min(1, { error: () => "must be at least 1 ACU" })
    .max(256, { error: () => "must be at most 256 ACU" })
    .multipleOf(0.5, { error: () => "must be a multiple of 0.5 ACU" })
    .default(16)
    .describe("Serverless v2 maximum capacity in Aurora capacity units. Default 16."),
});

const s3Backend = strictObject({
  type: z.literal("s3").describe("S3 state buckets created by the bootstrap stack, one per region."),
  locking: oneOf(["dynamodb", "lockfile", "both"] as const)
    .default("dynamodb")
    .describe(
      "State locking: a DynamoDB lock table per region (dynamodb), S3 native lock files (lockfile, Terraform 1.10+; " +
        "Terraform deprecates the table), or both during a migration. Default dynamodb.",
    ),
});

const localBackend = strictObject({
  type: z.literal("local").describe("Local state files, for offline work and experiments; never for a shared environment."),
  directory: z
    .string()
    .regex(/^[A-Za-z0-9._/-]+$/, { error: () => "must be a relative path of letters, digits, '.', '_', '-' and '/'" })
    .default("terraform-state")
    .describe("Directory, relative to the project root, that holds one state file per stack. Default terraform-state."),
});

const cloudBackend = strictObject({
  type: z.literal("cloud").describe("Terraform Cloud / HCP Terraform (or Terraform Enterprise), one workspace per stack."),
  organization: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: () => "must be a Terraform Cloud organization name (letters, digits, '-', '_')" })
    .describe("The Terraform Cloud organization that owns the workspaces."),
  hostname: z
    .string()
    .regex(/^[a-z0-9.-]+$/, { error: () => "must be a host name such as app.terraform.io" })
    .default("app.terraform.io")
    .describe("Terraform Cloud or Enterprise host name. Default app.terraform.io."),
  workspacePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: () => "must be letters, digits, '-' and '_', at most 40 characters" })
    .optional()
    .describe("Prefix of every workspace name; the stack name follows it. Default <project>-<environment>."),
});

export const ConfigSchema = strictObject({
  description: z
    .string()
    .max(4000)
    .optional()
    .describe("Free text for people: what this environment is and why its targets are what they are."),
  project: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,7}$/, {
      error: () => "must be 2 to 8 lowercase letters or digits, starting with a letter",
    })
    .default("txdr")
    .describe("Short project name that starts every resource name and the Project tag. Default txdr."),
  environment: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,15}$/, {
      error: () => "must be 1 to 16 lowercase letters, digits or '-', starting with a letter",
    })
    .describe("Environment name (dev, prod, ...): the Environment tag and part of every state key and workspace name."),
  suffix: z
    .string()
    .regex(/^[a-z0-9]+$/, { error: () => "must be lowercase letters and digits only (it ends names that allow no other characters)" })
    .describe(
      "Suffix that ends every resource name, so that environments sharing an account do not collide. Its length is " +
        "limited by the longest name built from it (Synthetics canaries allow 21 characters, load balancers and target groups 32).",
    ),
  regions: strictObject({
    primary: region.describe(
      "The founding region: where the global cluster and global tables were created. Fixed for the life of an environment.",
    ),
    secondary: region.describe("The disaster-recovery region: the other region of the pair. Fixed for the life of an environment."),
    active: region
      .optional()
      .describe(
        "The region that holds the writer now. Change it after every failover or failback so that the next deploy " +
          "converges on the new roles instead of fighting them. Default: the primary region.",
      ),
  }).describe("The two regions of the pair and which one is active."),
  network: strictObject({
    cidrs: strictObject({
      primary: cidr
        .default("10.10.0.0/16")
        .describe("VPC CIDR in the primary region: /16 to /24, host bits zero, in a private range (reserved and special ranges are refused). Default 10.10.0.0/16."),
      secondary: cidr
        .default("10.20.0.0/16")
        .describe("VPC CIDR in the secondary region: /16 to /24, host bits zero, in a private range (reserved and special ranges are refused). Default 10.20.0.0/16."),
    })
      .prefault({})
      .describe("VPC CIDR blocks; they must not overlap, because the VPCs are peered."),
    availabilityZones: integer(2, 6)
      .default(3)
      .describe(
        "Number of availability zones per region, 2 to 6 and at most what both regions offer an account " +
          "(lib/config/data/availability-zones.ts: for example us-east-1 6, us-west-2 4, us-west-1 2, most regions 3). Default 3.",
      ),
    natGateways: oneOf(["per-az", "single"] as const)
      .default("per-az")
      .describe("One NAT gateway per availability zone (per-az, for production) or one shared (single, for dev). Default per-az."),
    interfaceEndpoints: z
      .array(oneOf(INTERFACE_ENDPOINT_SERVICES))
      .optional()
      .describe(
        "AWS APIs reached through interface endpoints in the private subnets; each endpoint costs per zone and hour. " +
          "Default by profile: protected, every API the tasks and the failover path call (all of " +
          INTERFACE_ENDPOINT_SERVICES.join(", ") +
          "), so a region fails over with no NAT gateway and no internet; destroyable, none (the NAT gateway reaches the " +
          "APIs, and dev stays cheap: 19 endpoints in 2 zones and 2 regions cost more than the rest of dev).",
      ),
    crossRegionDatabaseAccess: z
      .boolean({ error: () => "must be true or false" })
      .default(true)
      .describe(
        "Open the database port to the peer region's private subnets over the peering connection, for tasks that reach " +
          "the writer in the other region through the global writer endpoint. Default true.",
      ),
  })
    .prefault({})
    .describe("Networking in both regions."),
  targets: strictObject({
    rpoSeconds: durationSeconds(86_400).describe(
      "Recovery point objective in seconds: the most data, measured in time, that a regional failover may lose. At least 20 " +
        "with database.rpoEnforcement database (rds.global_db_rpo); below 900 it covers the database and tables, not S3 " +
        "objects (replicated within 15 minutes), and a warning says so.",
    ),
    rtoSeconds: durationSeconds(86_400).describe(
      "Recovery time objective in seconds: from the start of a regional outage to traffic served by the other region.",
    ),
  }).describe("Recovery targets. Alarms, health-check timings and RPO enforcement are derived from them."),
  database: strictObject({
    engine: oneOf(["aurora-postgresql", "aurora-mysql"] as const)
      .default("aurora-postgresql")
      .describe("Aurora engine of the global database. Default aurora-postgresql."),
    engineVersion: z
      .string()
      .regex(/^[0-9][0-9a-z._]*$/, { error: () => "must be an Aurora engine version such as 14.15 or 8.0.mysql_aurora.3.08.2" })
      .optional()
      .describe(
        "Engine version, identical in both regions; it must belong to database.engine, support global databases (and " +
          `Serverless v2 in that mode). Known versions (lib/config/data/aurora-engines.ts): PostgreSQL ${postgresVersionsText()}; ` +
          `MySQL ${mysqlVersionsText()}. A version past the end of standard support draws a warning (Extended Support is charged). ` +
          `Default ${DEFAULT_ENGINE_VERSIONS["aurora-postgresql"]} for PostgreSQL, ${DEFAULT_ENGINE_VERSIONS["aurora-mysql"]} for MySQL.`,
      ),
    engineLifecycleSupport: oneOf(["open-source-rds-extended-support-disabled", "open-source-rds-extended-support"] as const)
      .default("open-source-rds-extended-support-disabled")
      .describe(
        "What happens when the engine major version reaches the end of Aurora standard support, set on the global " +
          "cluster (PostgreSQL) and both regional clusters: open-source-rds-extended-support-disabled (AWS upgrades the major " +
          "version at the end of standard support, and refuses to create a cluster on a version already past it) or " +
          "open-source-rds-extended-support (the cluster keeps its version and RDS Extended Support is charged per vCPU-hour). " +
          "AWS's own default, when the argument is omitted, is the paid one; this project always states it. Default " +
          "open-source-rds-extended-support-disabled.",
      ),
    capacity: z
      .discriminatedUnion("mode", [provisionedCapacity, serverlessCapacity], {
        error: () => "must have mode provisioned or serverless-v2",
      })
      .prefault({ mode: "provisioned" })
      .describe("Instance sizing: provisioned instance class or Serverless v2 ACU range. Default provisioned db.r6g.large."),
    instances: strictObject({
      active: z
        .number({ error: () => "must be a whole number from 2 to 15" })
        .int({ error: () => "must be a whole number from 2 to 15" })
        .min(2, { error: () => "must be at least 2: the writer plus at least one reader, so that a zone failure does not stop writes" })
        .max(15, {
          error: () =>
            "must be at most 15: an Aurora global database allows the writer's cluster 15 - s readers with s secondary regions (here 1 writer and 14 readers)",
        })
        .default(2)
        .describe("Instances in the active region's cluster: the writer plus at least one reader, 2 to 15 (a global database with one secondary region). Default 2."),
      standby: z
        .number({ error: () => "must be a whole number from 1 to 16" })
        .int({ error: () => "must be a whole number from 1 to 16" })
        .min(1, {
          error: () =>
            "must be at least 1: a headless secondary cluster has no instance to promote, so a failover would have nothing to fail over to",
        })
        .max(16, { error: () => "must be at most 16 (Aurora replicas in a secondary cluster)" })
        .default(1)
        .describe("Instances in the standby region's cluster, 1 to 16; at least one, since a headless secondary has nothing to promote. Default 1."),
    })
      .prefault({})
      .describe("Instance counts by role; they follow the active region."),
    databaseName: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, { error: () => "must start with a letter and hold letters, digits and '_', at most 63 characters" })
      .default("transactions")
      .describe(
        "Name of the initial database, created in the founding region only. Reserved words of the engine and names it " +
          "already uses (template0, template1, rdsadmin, mysql, sys, ...) are refused. Default transactions.",
      ),
    masterUsername: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,15}$/, { error: () => "must start with a letter and hold letters, digits and '_', at most 16 characters" })
      .default("dbadmin")
      .describe(
        "Master user name; the password is never in configuration or in cdktf.out. Reserved words of the engine, rdsadmin " +
          "and the rds_* roles, and pg_* names on PostgreSQL are refused. Default dbadmin.",
      ),
    applicationUser: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,31}$/, { error: () => "must start with a lowercase letter and hold lowercase letters, digits and '_', at most 32 characters" })
      .default("app")
      .describe(
        "Database user the application connects as, with IAM database authentication (a 15-minute token from its task role, " +
          "never a stored password): the task role may rds-db:connect as exactly this user. Create it once with the SQL in " +
          "docs/security.md. It must differ from masterUsername. Default app.",
      ),
    masterSecretReaders: z
      .array(
        z.string().regex(/^arn:aws(-us-gov|-cn)?:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_\/*:-]{1,512}$/, {
          error: () => "must be IAM principal ARNs (wildcards allowed) such as arn:aws:iam::123456789012:role/break-glass",
        }),
      )
      .max(20)
      .optional()
      .describe(
        "Principals (aws:PrincipalArn patterns) that may read the master credentials secret: the break-glass roles, and the role " +
          "that applies data-<primary> (Terraform reads the secret's version back at every refresh). Every other principal of " +
          "any account is denied secretsmanager:GetSecretValue by the secret's resource policy, whatever its IAM policies say. " +
          "Default: iam.deployRoleArns (the roles that apply data-<primary>) and iam.breakGlassRoleArns.",
      ),
    port: integer(1150, 65_535)
      .optional()
      .describe("Database port in both regions. Default 5432 for PostgreSQL, 3306 for MySQL."),
    masterPasswordVersion: integer(1, 1_000_000)
      .default(1)
      .describe(
        "Version of the generated master password. The password is generated at apply time, written only to write-only " +
          "arguments and the Secrets Manager secret; raise this number to rotate it through Terraform. Default 1.",
      ),
    backupRetentionDays: integer(1, 35)
      .default(7)
      .describe("Automated backup and point-in-time-restore retention in days (1 to 35). Default 7."),
    preferredBackupWindow: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, { error: () => "must be a UTC window hh24:mi-hh24:mi such as 03:00-04:00" })
      .default("03:00-04:00")
      .describe("Daily automated backup window (UTC, at least 30 minutes, not overlapping the maintenance window). Default 03:00-04:00."),
    preferredMaintenanceWindow: z
      .string()
      .regex(/^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/, {
        error: () => "must be a UTC window ddd:hh24:mi-ddd:hh24:mi such as sun:04:30-sun:05:30",
      })
      .default("sun:04:30-sun:05:30")
      .describe("Weekly maintenance window (UTC, at least 30 minutes). Default sun:04:30-sun:05:30."),
    performanceInsightsRetentionDays: z
      .number()
      .refine((v) => v === 7 || v === 731 || (Number.isInteger(v / 31) && v >= 31 && v <= 713), {
        error: () => "must be 7, 731, or a multiple of 31 from 31 to 713 (Performance Insights retention periods)",
      })
      .default(7)
      .describe("Performance Insights retention in days: 7 (free tier), a multiple of 31 up to 713, or 731. Default 7."),
    monitoringIntervalSeconds: z
      .literal([0, 1, 5, 10, 15, 30, 60], { error: () => "must be one of 0, 1, 5, 10, 15, 30, 60 (enhanced monitoring intervals)" })
      .default(60)
      .describe("Enhanced monitoring interval in seconds; 0 turns it off. Default 60."),
    backtrackWindowSeconds: z
      .number()
      .optional()
      .describe(
        "Not supported: Aurora global databases cannot backtrack. Any value above 0 is refused; use backupRetentionDays " +
          "(point-in-time restore) instead.",
      ),
    rpoEnforcement: oneOf(["database", "alarm"] as const)
      .optional()
      .describe(
        "How the RPO is held: database (Aurora PostgreSQL rds.global_db_rpo blocks commits on the writer when every " +
          "secondary lags beyond the RPO, at least 20 s) or alarm (page only). Default database on PostgreSQL, alarm on MySQL.",
      ),
  })
    .prefault({})
    .describe("The Aurora global database."),
  service: strictObject({
    image: z
      .string()
      .min(1)
      .default("public.ecr.aws/nginx/nginx:stable-alpine")
      .describe("Container image used until the first image is pushed to the project's ECR repositories. Default public.ecr.aws/nginx/nginx:stable-alpine."),
    cpu: z
      .literal([256, 512, 1024, 2048, 4096, 8192, 16384], {
        error: () => "must be a Fargate task CPU value: 256, 512, 1024, 2048, 4096, 8192 or 16384",
      })
      .default(512)
      .describe("Fargate task CPU units. Default 512."),
    memory: integer(512, 122_880)
      .default(1024)
      .describe("Fargate task memory in MiB; must be a valid combination with cpu. Default 1024."),
    containerPort: integer(1, 65_535)
      .default(80)
      .describe("Port the container listens on. Default 80."),
    healthCheckPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~\/-]*$/, { error: () => "must be an absolute URL path such as /health" })
      .max(255)
      .default("/")
      .describe(
        "HTTP path that the load balancer, Route 53, the canaries and the health monitor probe; it must answer 200. " +
          "Default / (what the placeholder image answers); set your service's health endpoint.",
      ),
    imageTag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: () => "must be an image tag such as 1.4.2 or 2026-11-22.1" })
      .optional()
      .describe(
        "Tag of the image in the project's own ECR repository of each region. When set, each region runs the image from " +
          "its own repository (it survives the loss of the other region); when absent, service.image is used. Default: absent.",
      ),
    imageDigest: z
      .string()
      .regex(/^sha256:[a-f0-9]{64}$/, { error: () => "must be an image digest: sha256: followed by 64 lowercase hexadecimal digits" })
      .optional()
      .describe(
        "Digest of the image in the project's own ECR repository of each region (sha256:<64 hex>), as `docker push` or " +
          "`aws ecr describe-images` prints it. When set, each region runs <its own repository>@<digest>: the exact, scanned " +
          "bytes, whatever tag points where. Required in the protected profile unless service.image is itself an ECR image " +
          "pinned by digest; refused together with service.imageTag. Default: absent.",
      ),
    environment: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { error: () => "variable names must be letters, digits and _, not starting with a digit" }),
        z.string().max(4096),
      )
      .default({})
      .describe(
        "Plain environment variables of the container; never secrets (those come from Secrets Manager and SSM). Values that look " +
          "like credentials (a name such as *_PASSWORD or *_TOKEN with a value, an AWS access key id, a private key, a token, a " +
          "URL with a password) are refused. Default none.",
      ),
    readOnlyRootFilesystem: z
      .boolean({ error: () => "must be true or false" })
      .default(true)
      .describe("Run the container with a read-only root file system; writablePaths get scratch volumes. Default true."),
    writablePaths: z
      .array(z.string().regex(/^\/[A-Za-z0-9._\/-]+$/, { error: () => "must be absolute paths" }))
      .max(10)
      .default(["/tmp", "/var/cache/nginx", "/var/run"])
      .describe("Paths that stay writable (scratch volumes) under a read-only root. Default /tmp, /var/cache/nginx, /var/run."),
    targetProtocol: oneOf(["HTTPS", "HTTP"] as const)
      .optional()
      .describe(
        "Protocol from the load balancer to the tasks. HTTPS: the container serves TLS on containerPort (any certificate: the " +
          "load balancer does not verify it; docs/security.md), so requests are encrypted inside the VPC too. Default HTTPS in the " +
          "protected profile (HTTP is refused there), HTTP in the destroyable one (the placeholder image serves plain HTTP).",
      ),
    xraySidecar: z
      .boolean({ error: () => "must be true or false" })
      .default(false)
      .describe("Run the AWS X-Ray daemon as a sidecar so the application can send traces. Default false."),
    cpuTargetPercent: integer(10, 90)
      .default(60)
      .describe("Target average CPU utilization of target-tracking scaling. Default 60."),
    requestsPerTarget: integer(1, 100_000)
      .default(1000)
      .describe("Target ALB requests per task per minute of target-tracking scaling. Default 1000."),
    ecrReplication: z
      .boolean({ error: () => "must be true or false" })
      .default(true)
      .describe(
        "Replicate each region's ECR registry to the other. One replication configuration exists per registry: turn this " +
          "off where the account already replicates its registry. Default true.",
      ),
    capacity: strictObject({
      active: capacityRange({ min: 2, max: 10 }, "active"),
      standby: capacityRange({ min: 1, max: 10 }, "standby"),
    })
      .prefault({})
      .describe("Warm-standby sizing: the task count bounds follow the active region."),
  })
    .prefault({})
    .describe("The Fargate service in both regions."),
  dns: strictObject({
    domainName: z
      .string({ error: () => "must be a lowercase DNS domain name such as dr.example.com" })
      .min(1, { error: () => "must be a lowercase DNS domain name such as dr.example.com" })
      .describe(
        "DNS domain of the environment; the service answers at <recordName>.<domainName>. Lowercase ASCII (an internationalized " +
          "name is written in its punycode xn-- form), labels of at most 63 characters, at most 253 in all, and " +
          "<recordName>.<domainName> at most 64 characters (the certificate's first name).",
      ),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, { error: () => "must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ" })
      .optional()
      .describe("Existing public hosted zone for domainName. Default: the project creates the zone."),
    recordName: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: () => "must be one DNS label such as api" })
      .default("api")
      .describe("Record name of the service under domainName. Default api."),
    routing: oneOf(["failover", "weighted"] as const)
      .default("failover")
      .describe("Route 53 routing: failover (PRIMARY/SECONDARY) or weighted (all traffic to the active region). Default failover."),
    preRouteStandby: z
      .boolean({ error: () => "must be true or false" })
      .default(true)
      .describe(
        "The standby region's global record carries only its app check, not its gate: when the active region's record fails, " +
          "Route 53 already sends clients to the standby, whose closed gate refuses them until the promotion opens it, so DNS " +
          "propagation and cached answers expire during detection and promotion instead of after them. false: the standby's " +
          "record also needs its gate open, and clients move only after the promotion (a gate check, propagation and the " +
          "alias TTL later); a brief failure of the active region's checks then never sends clients to a closed gate. Pre-routing " +
          "assumes service.healthCheckPath answers while the standby's cluster is a secondary (the shipped one makes no database " +
          "call). Default true.",
      ),
    healthCheckRegions: z
      .array(oneOf(["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"] as const))
      .min(3, { error: () => "must name at least 3 Route 53 health checker regions" })
      .default(["us-east-1", "us-west-2", "eu-west-1"])
      .describe("Route 53 health checker regions, at least 3 different ones. Default us-east-1, us-west-2, eu-west-1."),
    witnessTtlSeconds: integer(0, 300)
      .default(5)
      .describe(
        "TTL of the witness TXT records through which the standby region reads Route 53's view of the writer region (low, as the " +
          "Aurora guide recommends for failover-sensitive names). Default 5.",
      ),
  }).describe("DNS and traffic routing."),
  waf: strictObject({
    enabled: z
      .boolean({ error: () => "must be true or false" })
      .optional()
      .describe(
        "Protect both load balancers with AWS WAF. Default on in every profile: both load balancers face the internet and " +
          "front the transaction API, in dev too (a web ACL costs a few dollars a month). Turning it off in the protected " +
          "profile draws a warning.",
      ),
    rateLimitPer5Minutes: integer(10, 2_000_000_000)
      .default(2000)
      .describe("Requests one client IP may send in any 5-minute window before WAF blocks it. Default 2000."),
  })
    .prefault({})
    .describe("AWS WAF web ACL with the AWS managed common and known-bad-inputs rule groups and a rate limit."),
  canaries: strictObject({
    enabled: z.boolean({ error: () => "must be true or false" }).default(true).describe("Run Synthetics canaries in both regions. Default true."),
    intervalMinutes: integer(1, 60).default(5).describe("Minutes between canary runs. Default 5."),
    runtimeVersion: z
      .string()
      .regex(/^syn-nodejs-puppeteer-\d+\.\d+$/, { error: () => "must be a Node.js Synthetics runtime such as syn-nodejs-puppeteer-13.1" })
      .default("syn-nodejs-puppeteer-13.1")
      .describe(
        `Synthetics runtime of the canaries; deprecated runtimes are refused. Known: ${SUPPORTED_PUPPETEER_RUNTIMES.join(", ")} ` +
          "(lib/config/data/synthetics-runtimes.ts). Default syn-nodejs-puppeteer-13.1.",
      ),
  })
    .prefault({})
    .describe("CloudWatch Synthetics canaries probing both regional endpoints and the global name from each region."),
  events: strictObject({
    globalEndpoint: z
      .boolean({ error: () => "must be true or false" })
      .default(false)
      .describe(
        "Create an EventBridge global endpoint over the two regions' application buses (producers must sign with SigV4a; " +
          "consumers in the DR region must be idempotent). Default false.",
      ),
  })
    .prefault({})
    .describe("EventBridge application buses."),
  alerts: strictObject({
    emails: z
      .array(z.email({ error: () => "must be an e-mail address" }))
      .max(20)
      .default([])
      .describe(
        "E-mail addresses subscribed to the alert topics in both regions. They receive every alert, approval requests " +
          "included: those name the execution and the npm run approve command, never the task token (it waits in the state " +
          "table); as a second line, an e-mail subscription's filter policy drops any message that has a taskToken. Default none.",
      ),
    httpsEndpoints: z
      .array(
        z
          .url({ protocol: /^https$/, error: () => "must be an https:// URL (the paging service's SNS endpoint)" })
          .max(2048),
      )
      .max(10)
      .default([])
      .describe(
        "HTTPS endpoints subscribed to the alert topics in both regions. A paging service's integration URL carries its " +
          "integration key, and a URL here is written into cdktf.out, the Terraform state and the SNS subscription; the " +
          "protected profile refuses it: use alerts.pagingForwarder. Default none.",
      ),
    pagingForwarder: z
      .boolean({ error: () => "must be true or false" })
      .default(false)
      .describe(
        "Forward every alert of each region's topic to the paging service through a small Lambda function that reads the " +
          "integration URL at run time from the Secrets Manager secret <project>-paging-<suffix> of its region (created " +
          "empty; put the URL with aws secretsmanager put-secret-value in both regions). The URL is never in configuration, " +
          "cdktf.out or Terraform state. Default false.",
      ),
  })
    .prefault({})
    .describe("Where alerts go."),
  storage: strictObject({
    transitionToInfrequentAccessDays: integer(30, 3650)
      .default(30)
      .describe("Days after which current objects of the application buckets move to STANDARD_IA (S3 requires at least 30). Default 30."),
    noncurrentVersionExpirationDays: integer(1, 3650)
      .default(90)
      .describe("Days that non-current object versions of the application buckets are kept. Default 90."),
    accessLogExpirationDays: integer(1, 3650)
      .default(365)
      .describe("Days that S3 server access logs are kept. Default 365."),
  })
    .prefault({})
    .describe("Application buckets (data and transaction logs) in both regions."),
  backup: strictObject({
    hourlyRetentionDays: integer(1, 35)
      .optional()
      .describe(
        "Retention of the hourly recovery points (and their copies) in days, 1 to 35 (continuous backups keep at most 35). " +
          "Default: the vault lock's minimum retention in the protected profile (7: a locked vault refuses shorter ones), 2 in the destroyable profile.",
      ),
    dailyRetentionDays: integer(1, 36_500)
      .default(35)
      .describe("Retention of the daily recovery points (and their copies) in days. Default 35."),
    monthlyRetentionDays: integer(1, 36_500)
      .default(365)
      .describe("Retention of the monthly recovery points (and their copies) in days. Default 365."),
    copyHourlyRecoveryPoints: z
      .boolean({ error: () => "must be true or false" })
      .default(false)
      .describe(
        "Also copy every hourly recovery point to the other region's vault. Off by default: the recovery targets for " +
          "the loss of a region are met by replication (Aurora global database, DynamoDB global tables, two-way S3 " +
          "replication), not by backups; backups recover from corruption, which replication copies, and the copies in the " +
          "other region cover corruption found after their own region is lost. Daily and monthly recovery points are always " +
          "copied. Turn on where a requirement names hourly cross-region copies (each is a cross-region transfer and a copy " +
          "job per resource). Default false.",
      ),
    continuousBackup: z
      .boolean({ error: () => "must be true or false" })
      .optional()
      .describe(
        "Continuous backup (point-in-time restore) for Aurora and S3 in the hourly rule. Default: on when targets.rpoSeconds is below one hour.",
      ),
    vaultLock: strictObject({
      enabled: z
        .boolean({ error: () => "must be true or false" })
        .optional()
        .describe("Lock the vaults (WORM). Default: on in the protected profile, off in the destroyable profile."),
      mode: oneOf(["compliance", "governance"] as const)
        .optional()
        .describe(
          "compliance: after changeableForDays the lock can never be changed or removed, by anyone, the account's root user and " +
            "AWS Support included, and no recovery point can be deleted before its retention ends (AWS Backup Vault Lock, " +
            "assessed for SEC 17a-4, CFTC and FINRA). governance: principals allowed backup:DeleteBackupVaultLockConfiguration " +
            "can remove the lock at any time. Refused with destroyProfile destroyable. Default: compliance in the protected " +
            "profile, governance in the destroyable one.",
        ),
      minRetentionDays: integer(1, 36_500)
        .optional()
        .describe(
          "Shortest retention the locked vaults accept (AWS allows 1 day at least): a backup or copy job with a shorter " +
            "lifecycle fails, so whoever edits the backup plan cannot make new recovery points expire sooner; every rule's " +
            "retention, copies included, must be at least this. Default 7 in the protected profile (a week to notice a tampered " +
            "plan), 1 in the destroyable one.",
        ),
      maxRetentionDays: integer(1, 36_500)
        .default(3650)
        .describe(
          "Longest retention the locked vaults accept, at most 36500 days (AWS's limit, about 100 years); every rule's retention " +
            "must be at most this. Default 3650.",
        ),
      changeableForDays: integer(3, 36_500)
        .optional()
        .describe(
          "Cooling-off period in compliance mode: until then the lock can still be changed or removed; after it, never. AWS " +
            "enforces at least 3 days (a 72-hour cooling-off). Only with mode compliance. Default 3.",
        ),
    })
      .prefault({})
      .describe("AWS Backup Vault Lock on both regions' vaults."),
    airGappedVault: strictObject({
      enabled: z
        .boolean({ error: () => "must be true or false" })
        .optional()
        .describe(
          "Also copy the daily and monthly recovery points to a logically air-gapped vault in each region: locked in compliance " +
            "mode by AWS, its backups held in an AWS Backup service account, shareable for restore with another account through " +
            "AWS RAM. Default: on in the protected profile (the copy no principal of this account can delete), off in the destroyable one.",
        ),
      minRetentionDays: integer(7, 36_500)
        .default(7)
        .describe("Minimum retention of the air-gapped vault: at least 7 days (AWS's minimum), at most 36500. Default 7."),
      maxRetentionDays: integer(7, 36_500)
        .default(400)
        .describe(
          "Maximum retention of the air-gapped vault, at most 36500 days; the daily and monthly retentions must lie between the " +
            "minimum and this. Default 400 (covers the monthly default of 365).",
        ),
      kmsKeyArns: z
        .partialRecord(
          region,
          z.string().regex(/^arn:aws(-us-gov|-cn)?:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, {
            error: () => "must be a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
          }),
        )
        .optional()
        .describe(
          "Customer-managed keys (by key ARN, one per region of the pair, each in its region) that encrypt the air-gapped vaults, " +
            "for a mandate that needs one; use keys of a separate key account, so that no key administrator of this account can " +
            "make the air-gapped copies unreadable. Default: the AWS-owned key AWS recommends for these vaults (nobody in this " +
            "account can disable or delete it).",
        ),
    })
      .prefault({})
      .describe("Logically air-gapped vault, for ransomware and insider recovery: replication copies corruption and deletion too."),
    crossAccountCopy: strictObject({
      destinationVaultArns: z
        .partialRecord(
          region,
          z.string().regex(/^arn:aws(-us-gov|-cn)?:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_-]{2,50}$/, {
            error: () => "must be an AWS Backup vault ARN such as arn:aws:backup:us-east-1:210987654321:backup-vault:dr-copies",
          }),
        )
        .optional()
        .describe(
          "Copy the daily and monthly recovery points to a vault of another AWS account, one destination vault per region of " +
            "the pair (keyed by the source region). Needs AWS Organizations with cross-account backup enabled in the management " +
            "account, a destination vault whose access policy allows backup:CopyIntoBackupVault from this account, and, for " +
            "Aurora (not fully managed by AWS Backup), the region's data key shared with the destination account (this project " +
            "adds that key-policy statement). Default: no cross-account copy (the air-gapped vault is the protected profile's " +
            "copy that no insider of this account can delete).",
        ),
    })
      .prefault({})
      .describe("Copies to another AWS account (docs/security.md)."),
    restoreTesting: strictObject({
      enabled: z.boolean({ error: () => "must be true or false" }).default(true).describe("Restore the latest recovery points on a schedule and report failures. Default true."),
      scheduleExpression: z
        .string()
        .regex(/^cron\(.+\)$/, { error: () => "must be an AWS cron expression such as cron(0 6 ? * SAT *)" })
        .default("cron(0 6 ? * SAT *)")
        .describe(
          "When restore tests run (UTC), an AWS cron expression of six fields (Minutes Hours Day-of-month Month Day-of-week " +
            "Year) with exactly one of the day fields ?. Default cron(0 6 ? * SAT *), Saturdays at 06:00.",
        ),
      selectionWindowDays: integer(1, 365).default(7).describe("Restore tests pick recovery points from this many recent days. Default 7."),
    })
      .prefault({})
      .describe("AWS Backup restore testing."),
    manageRegionSettings: z
      .boolean({ error: () => "must be true or false" })
      .default(true)
      .describe(
        "Set the account's AWS Backup region settings (opt in Aurora, DynamoDB, S3; DynamoDB advanced features for cross-region copies) in both regions. Turn off where another team owns them. Default true.",
      ),
  })
    .prefault({})
    .describe("AWS Backup: plans, vaults, copies to the other region, lock, restore tests."),
  backend: z
    .discriminatedUnion("type", [s3Backend, localBackend, cloudBackend], {
      error: () => "must have type s3, local or cloud",
    })
    .prefault({ type: "s3" })
    .describe("Where Terraform state lives. Default s3 with DynamoDB locking."),
  retention: strictObject({
    logDays: z
      .literal(LOG_RETENTION_DAYS, {
        error: () => `must be a CloudWatch Logs retention period in days: ${LOG_RETENTION_DAYS.join(", ")}`,
      })
      .default(90)
      .describe("Retention of every CloudWatch log group in days; CloudWatch allows only certain values. Default 90."),
    stateVersionDays: integer(1, 3650)
      .default(90)
      .describe("Days that non-current versions of Terraform state objects are kept. Default 90."),
  })
    .prefault({})
    .describe("Retention periods."),
  destroyProfile: oneOf(["destroyable", "protected"] as const)
    .default("protected")
    .describe(
      "protected: stateful resources carry prevent_destroy, deletion protection and final snapshots. destroyable: " +
        "everything outside the bootstrap stack can be destroyed (dev and test). Default protected.",
    ),
  kms: strictObject({
    deletionWindowDays: integer(7, 30)
      .default(30)
      .describe("Waiting period, 7 to 30 days, before a scheduled KMS key deletion takes effect. Default 30."),
    administratorRoleArns: roleArnList("key administrators", 20)
      .optional()
      .describe(
        "Roles that administer every customer-managed key of the project (kms:Create*, Describe*, Enable*, List*, Put*, " +
          "Update*, Revoke*, Disable*, Get*, Delete*, TagResource, UntagResource, ScheduleKeyDeletion, CancelKeyDeletion), " +
          "never use it to encrypt or decrypt. Must include every iam.deployRoleArns entry: Terraform writes the key " +
          "policies as a deploy role, and KMS refuses a key policy that would keep its caller from changing it again. " +
          "Default iam.deployRoleArns and iam.breakGlassRoleArns.",
      ),
  })
    .prefault({})
    .describe("Customer-managed KMS keys."),
  failover: strictObject({
    authority: oneOf(["automatic", "approval", "manual"] as const)
      .default("automatic")
      .describe(
        "Who decides a regional failover: automatic (the health monitor starts it), approval (the monitor pages and the " +
          "runbook waits for an operator's approval) or manual (operators start it). approval and manual need alerts.emails or " +
          "alerts.httpsEndpoints, so that someone is paged. Default automatic.",
      ),
    consecutiveFailures: integer(2, 10)
      .default(3)
      .describe(
        "Consecutive samples (every failover.sampleIntervalSeconds) whose verdict calls for a failover before an incident starts; " +
          "one blip never fails over. Default 3.",
      ),
    sampleIntervalSeconds: integer(5, 30)
      .default(10)
      .describe(
        "Seconds between the health monitor's samples; each scheduled run samples for 50 s. Also how often each region writes its " +
          "heartbeat and applies its own traffic gate. Default 10.",
      ),
    staleHeartbeatSeconds: integer(10, 600)
      .default(30)
      .describe(
        "Age after which the writer region's heartbeat (read in the standby region's replica of the control table) counts as " +
          "evidence that the region is down; at least twice failover.sampleIntervalSeconds. Default 30.",
      ),
    replicationStallSeconds: integer(60, 3_600)
      .default(180)
      .describe("Seconds without a replication-lag datapoint after which the standby's replication counts as stalled. Default 180."),
    maxAttempts: integer(1, 10)
      .default(3)
      .describe("Runbook executions the health monitor starts for one incident before it pages that a person must act. Default 3."),
    onRpoBreach: oneOf(["escalate", "proceed"] as const)
      .default("escalate")
      .describe(
        "A forced failover whose replication lag is above targets.rpoSeconds, or cannot be read, while the database does not bound " +
          "it (database.rpoEnforcement alarm): escalate (wait for an operator's approval) or proceed. Default escalate.",
      ),
    inflightAllowanceSeconds: integer(0, 300)
      .default(10)
      .describe(
        "Time a request accepted just before the old region's gate closed may still take; part of the drain before a promotion. Default 10.",
      ),
    peerTimeoutMs: integer(500, 30_000)
      .default(5000)
      .describe("Timeout of one call into the other region (its lock, its database's health, fencing), in milliseconds. Default 5000."),
    approvalTimeoutSeconds: integer(60, 86_400)
      .default(900)
      .describe(
        "How long the runbook waits for an operator's approval in approval mode (at most targets.rtoSeconds in that mode); in manual " +
          "mode, the time the RTO budget allows a paged person to start the runbook. Default 900.",
      ),
    operatorPrincipals: z
      .array(
        // aws:PrincipalArn is the role's ARN for a role session, never an sts assumed-role ARN: only iam ARNs can match.
        z.string().regex(/^arn:aws(-us-gov|-cn)?:iam::\d{12}:(role|user)\/[A-Za-z0-9+=,.@_\/*-]{1,512}$/, {
          error: () => "must be IAM role or user ARNs (wildcards allowed) such as arn:aws:iam::123456789012:role/sre-on-call; an sts assumed-role ARN never matches aws:PrincipalArn",
        }),
      )
      .min(1)
      .max(20)
      .optional()
      .describe(
        "Principals (aws:PrincipalArn patterns) that may assume the failover operator role of each region, the only role that " +
          "may start, stop and answer the runbooks (npm run approve) and read their audit records. Default iam.operatorRoleArns, " +
          "or, when that is empty, the account's IAM Identity Center AdministratorAccess roles.",
      ),
    onApprovalTimeout: oneOf(["abort", "proceed"] as const)
      .default("abort")
      .describe("What happens when no operator answers in time: abort (nothing changes) or proceed (fail over). Default abort."),
    probeTimeoutMs: integer(500, 30_000)
      .default(5000)
      .describe("Timeout of one HTTPS probe of a regional endpoint, in milliseconds. Default 5000."),
    pollIntervalSeconds: integer(1, 300)
      .default(10)
      .describe(
        "Interval between checks for the new writer after a promotion (constant: the RTO budget counts one). At most one wait for " +
          "the writer (failover.maxWaitSeconds, split into slices below failover.lockTtlSeconds - 120). Default 10.",
      ),
    maxWaitSeconds: integer(60, 3600)
      .default(600)
      .describe("Longest wait for the new writer before the runbook reports failure. Default 600."),
    lockTtlSeconds: integer(300, 86_400)
      .default(1800)
      .describe("Expiry of the single-flight failover lock, checked in the lock's write condition. Default 1800."),
    lambdaRuntime: oneOf(["nodejs22.x"] as const)
      .default("nodejs22.x")
      .describe("Lambda runtime of the project's functions (Node.js 20 reached end of support in April 2026). Default nodejs22.x."),
  })
    .prefault({})
    .describe("Failover detection and automation."),
  reconciliation: strictObject({
    enabled: z
      .boolean({ error: () => "must be true or false" })
      .default(true)
      .describe(
        "After an unplanned failover, when the old region is back, the writer region's health monitor starts the reconciliation " +
          "run once per failover: it compares what the returned region holds in the data-loss window with this region, reports it " +
          "(encrypted report object, page, dashboard) and replays the missing records and log objects after an operator's approval. " +
          "false: only npm run reconcile does it. Default true.",
      ),
    settleSeconds: integer(0, 3_600)
      .default(120)
      .describe(
        "Wait before comparing, so that the writes whose replication resumed with the region's return land first: what is reported " +
          "missing is what replication did not bring back. Default 120.",
      ),
    approvalTimeoutSeconds: integer(300, 2_592_000)
      .default(86_400)
      .describe("How long the run waits for an operator to approve (or refuse) the replay; then it ends with the report only. Default 86400."),
    clockSkewSeconds: integer(0, 300)
      .default(5)
      .describe("Seconds added to both ends of the window for clock skew between the regions (each region stamps receivedAt). Default 5."),
    lookbackSeconds: integer(300, 604_800)
      .default(3_600)
      .describe(
        "Window start, counted back from its end, when the failover's audit record states none (an operator-started failover " +
          "without detectedAt). Default 3600.",
      ),
  })
    .prefault({})
    .describe("Reconciliation of what an unplanned failover lost, when the failed region returns (docs/reconciliation.md)."),
  observability: strictObject({
    http5xxRatePercent: integer(1, 100)
      .default(5)
      .describe("Share of requests answered 5xx by the targets above which the load balancer alarm fires, in percent. Default 5."),
    databaseCpuPercent: integer(1, 100).default(80).describe("Database CPU utilization alarm threshold, in percent. Default 80."),
    databaseConnections: integer(1, 100_000).default(1000).describe("Database connections alarm threshold. Default 1000."),
    s3PendingOperationsThreshold: integer(1, 100_000_000)
      .default(1000)
      .describe("S3 operations pending replication above which the replication backlog alarm fires. Default 1000."),
  })
    .prefault({})
    .describe("Alarm thresholds that are not derived from the recovery targets (those are: lag alarms warn at half the RPO and page at the RPO)."),
  gameDay: strictObject({
    enabled: z
      .boolean({ error: () => "must be true or false" })
      .default(true)
      .describe(
        "Deploy the AWS FIS game-day experiment templates (stop the service's tasks, cut the region's subnets off, fail the " +
          "cluster's writer over in the region, move the global database's writer here through the failover runbook) in each " +
          "region's ops stack. Templates are inert until someone starts an experiment (docs/game-day.md). Default true.",
      ),
    observationMinutes: integer(1, 720)
      .default(10)
      .describe(
        "How long the stop-tasks and db-writer experiments keep running after their one-shot action, 1 to 720 minutes, so that " +
          "their stop conditions judge the recovery: an experiment that ends stopped rather than completed failed its hypothesis. Default 10.",
      ),
    stopTasks: strictObject({
      selectionMode: z
        .string({ error: () => "must be ALL, COUNT(n) or PERCENT(n)" })
        .refine((v) => GAME_DAY_SELECTION_MODE.test(v) && selectionModeInRange(v), {
          error: () => "must be ALL, COUNT(n) with n from 1 to 1000, or PERCENT(n) with n from 1 to 100 (AWS FIS selection modes)",
        })
        .default("ALL")
        .describe("Which of the service's running tasks the stop-tasks experiment stops: ALL, COUNT(n) or PERCENT(n). Default ALL."),
    })
      .prefault({})
      .describe("The stop-tasks experiment (aws:ecs:stop-task on the region's service)."),
    disruptConnectivity: strictObject({
      subnetTiers: z
        .array(oneOf(GAME_DAY_SUBNET_TIERS))
        .min(1, { error: () => "must name at least one subnet tier: private, public" })
        .refine((tiers) => new Set(tiers).size === tiers.length, { error: () => "must not name a tier twice" })
        .default(["private"])
        .describe(
          "Subnet tiers the disrupt-network experiment cuts off: private (the tasks and the failover functions) and, to take the " +
            "load balancer and the NAT gateways away too (the whole region unreachable), public. The isolated (database) tier is never " +
            "touched: Aurora replicates outside the VPC. Default [\"private\"].",
        ),
      durationMinutes: integer(1, 720)
        .default(10)
        .describe(
          "How long the disrupt-network experiment denies all traffic in and out of the region's subnets of those tiers, 1 to 720 " +
            "minutes (FIS allows 1 minute to 12 hours); FIS restores the subnets' network ACLs when it ends or is stopped. Default 10.",
        ),
    })
      .prefault({})
      .describe("The disrupt-network experiment (aws:network:disrupt-connectivity, scope all, on the region's subnets of the chosen tiers)."),
    databaseFailover: strictObject({
      dryRun: z
        .boolean({ error: () => "must be true or false" })
        .default(true)
        .describe(
          "The db-failover experiment starts the failover runbook with dryRun: it checks every precondition and changes nothing. " +
            "Set false (and deploy) only for the game day that moves the writer. Default true.",
        ),
      strategy: oneOf(["planned", "auto"] as const)
        .default("planned")
        .describe(
          "Strategy the db-failover experiment asks the failover runbook for: planned (a switchover, no data loss, or nothing) or " +
            "auto (the runbook decides on the evidence). unplanned is not offered: a forced failover of a healthy writer loses writes. Default planned.",
        ),
      maxDurationMinutes: integer(1, 720)
        .default(60)
        .describe(
          "How long the db-failover experiment waits for the runbook to finish, 1 to 720 minutes (the FIS action's maxDuration). " +
            "Stopping the experiment does not stop the runbook (docs/game-day.md). Default 60.",
        ),
    })
      .prefault({})
      .describe("The db-failover experiment (aws:ssm:start-automation-execution of the runbook-starting Automation document)."),
  })
    .prefault({})
    .describe("AWS Fault Injection Service game-day templates (docs/game-day.md)."),
  loadBalancer: strictObject({
    tlsPolicy: oneOf([
      "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-3-2021-06",
    ] as const)
      .default("ELBSecurityPolicy-TLS13-1-2-Res-2021-06")
      .describe(
        "Security policy of the HTTPS listener: only TLS 1.3, or TLS 1.2 restricted to AEAD (GCM) ciphers with forward secrecy, " +
          "never a CBC suite. The FIPS variants use FIPS 140-validated cryptography (for workloads that must), the PQ variants " +
          "add hybrid post-quantum key exchange to TLS 1.3. Default ELBSecurityPolicy-TLS13-1-2-Res-2021-06.",
      ),
  })
    .prefault({})
    .describe("The regional load balancers."),
  transactionApi: strictObject({
    authentication: strictObject({
      issuer: z
        .string()
        .regex(/^https:\/\/[^\s]{1,248}$/, { error: () => "must be an https URL of at most 256 characters (the tokens' iss claim)" })
        .describe("The tokens' iss claim: the OAuth 2.0 authorization server that issues the clients' access tokens."),
      jwksEndpoint: z
        .string()
        .regex(/^https:\/\/[^\s]{1,248}$/, { error: () => "must be an https URL of at most 256 characters" })
        .describe("The issuer's JSON Web Key Set (public, reachable by the load balancer); at most 10 keys, RS256 only."),
      clientIdClaim: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/, { error: () => "must be a claim name such as client_id" })
        .default("client_id")
        .describe("The claim that names the client (RFC 9068 access tokens carry client_id). Default client_id."),
      requiredClaims: z
        .array(
          strictObject({
            name: z
              .string()
              .regex(/^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/, { error: () => "must be a claim name" })
              .refine((n) => !["exp", "iss", "nbf", "iat"].includes(n), { error: () => "exp, iss, nbf and iat are always validated; name another claim" }),
            format: oneOf(["single-string", "string-array", "space-separated-values"] as const),
            values: z.array(z.string().min(1).max(256)).min(1).max(10),
          }),
        )
        .max(10)
        .default([])
        .describe(
          "Claims the load balancer also requires, as Elastic Load Balancing's JWT validation takes them (for example aud, or " +
            "scope with space-separated-values). Default none.",
        ),
    })
      .optional()
      .describe(
        "How callers of POST /transactions authenticate: an OAuth 2.0 access token (JWT, client-credentials grant) that the " +
          "load balancer validates before anything reaches the function (docs/security.md says why not mutual TLS). Default: " +
          "absent, and the load balancer refuses every /transactions request (401): the API is closed until an issuer is set.",
      ),
    clients: z
      .array(
        strictObject({
          clientId: z
            .string()
            .regex(/^[A-Za-z0-9._@-]{1,128}$/, { error: () => "must be 1-128 letters, digits, '.', '_', '@' or '-'" })
            .describe("The client's id, as the token's clientIdClaim carries it."),
          debitAccounts: z
            .array(z.string().regex(/^[A-Za-z0-9]{1,34}\*?$/, { error: () => "must be an account number, or a prefix of one ending in *" }))
            .min(1)
            .max(100)
            .describe("Accounts the client may debit: exact account numbers, or prefixes ending in *."),
        }),
      )
      .default([])
      .describe(
        "The client registry: which accounts each client may debit (403 otherwise). A client not listed may debit nothing. " +
          "Written into the function's environment (Lambda allows 4 KB of variables): a change takes effect with the deployment. " +
          "Default none: nothing can be debited until clients are registered.",
      ),
    peakTransactionsPerSecond: integer(1, 5_000)
      .default(25)
      .describe(
        "Peak rate of POST /transactions one region must absorb (it takes all traffic after a failover). The design brief's " +
          "10,000 transactions an hour average 2.8 per second; 25 allows a ninefold burst. Sizes the reserved concurrency. Default 25.",
      ),
    reservedConcurrency: integer(1, 900)
      .optional()
      .describe(
        "Reserved concurrency of the transaction function in each region: guaranteed to the payment path however other " +
          "functions of the account burst, and a ceiling on what a flood of authenticated requests can cost (a throttled Lambda " +
          "target is a 5xx the client retries). Default peakTransactionsPerSecond x 2 s (an invocation under AWS retries, " +
          "well above the usual tens of milliseconds): 50.",
      ),
    fenceCacheSeconds: integer(1, 30)
      .default(5)
      .describe(
        "Seconds the function caches its region's fence and writer status from the control table (two reads per period " +
          "per execution environment). Adds at most this much to the time a fenced region keeps accepting writes (after the " +
          "control table's replication, typically under a second); must not exceed failover.sampleIntervalSeconds, the drain " +
          "a fence waits when it could not close the old region's gate. Default 5.",
      ),
  })
    .prefault({})
    .describe("The transaction API (POST /transactions): authentication, the client registry, capacity and the write gate."),
  audit: strictObject({
    cloudTrail: z
      .boolean({ error: () => "must be true or false" })
      .default(true)
      .describe(
        "Create one multi-region CloudTrail trail (in the secondary region, with its own bucket and key). Turn off for " +
          "accounts covered by an organization trail. Default true.",
      ),
    dataEvents: oneOf(["all", "writes", "none"] as const)
      .optional()
      .describe(
        "CloudTrail data events of the project's own data: item-level DynamoDB calls on the global tables, the control table " +
          "and the failover state table, and object-level S3 calls on the application buckets and the Terraform state " +
          "buckets, in both regions (all: reads and writes; writes: writes only; none). Charged per event (about 0.10 USD per " +
          "100,000): at 10,000 transactions an hour, well under 5 USD a day with reads. Default: all in the protected profile, " +
          "none in the destroyable one.",
      ),
    objectLock: strictObject({
      enabled: z
        .boolean({ error: () => "must be true or false" })
        .optional()
        .describe("S3 Object Lock on the trail's bucket, so a log file cannot be deleted or overwritten before its retention ends. Default: on in the protected profile, off in the destroyable one."),
      mode: oneOf(["compliance", "governance"] as const)
        .default("compliance")
        .describe(
          "compliance: no one, the root user included, can delete a log file version or shorten its retention; governance: " +
            "principals with s3:BypassGovernanceRetention can. Refused with destroyProfile destroyable in compliance mode " +
            "(the bucket could not be emptied). Default compliance.",
        ),
      retentionDays: integer(1, 36_500)
        .default(365)
        .describe("Default retention of every log file version, in days. Default 365."),
    })
      .prefault({})
      .describe("Write-once retention of the CloudTrail log files."),
  })
    .prefault({})
    .describe("Audit logging."),
  iam: strictObject({
    permissionsBoundaryArn: z
      .string()
      .regex(/^arn:aws(-us-gov|-cn)?:iam::(\d{12}|aws):policy\/[A-Za-z0-9+=,.@_\/-]{1,128}$/, {
        error: () => "must be an IAM managed policy ARN such as arn:aws:iam::123456789012:policy/boundary",
      })
      .optional()
      .describe(
        "Permissions boundary attached to every IAM role the project creates, in the regions' partition: the organization's " +
          "boundary policy, which caps what any role of the project can ever do whatever its own policies say. Required in the " +
          "protected profile (a configuration without it is refused); optional in the destroyable one. Default none.",
      ),
    deployRoleArns: roleArnList("deploy roles", 10)
      .default([])
      .describe(
        "The IAM roles that run Terraform for this environment (the pipeline's role, and the role people use for " +
          "`npm run first-deploy`), by ARN or ArnLike pattern, all in the environment's account. Only they (and the " +
          "break-glass roles) may read or write the Terraform state and its lock table, administer the KMS keys (by default) " +
          "and use the keys through the services Terraform creates encrypted resources with. At least one is required: " +
          "the state and the keys would otherwise be open to every principal of the account. The account in these ARNs is " +
          "checked against the deploying credentials when Terraform plans. Default none (refused).",
      ),
    breakGlassRoleArns: roleArnList("break-glass roles", 10)
      .default([])
      .describe(
        "Emergency roles (dual control, alarmed on use) that keep access when the deploy roles are lost: Terraform state and " +
          "lock table, key administration (by default), the backup vaults' access policy, the paging secret, the database master secret (by default). By ARN or ArnLike " +
          "pattern, in the environment's account. Default none (the account's root user remains the last resort: docs/security.md).",
      ),
    operatorRoleArns: roleArnList("operator roles", 20)
      .default([])
      .describe(
        "Roles of the people and tools that read what the system stores from outside its VPCs: reconciliation reports and " +
          "`npm run reconcile` (the data key through S3 and DynamoDB, the application buckets without the VPC endpoint), " +
          "runtime parameters (the secrets key through SSM), dead-letter queues (the messaging key through SQS) and the " +
          "CloudTrail log files (the audit key through S3). By ARN or ArnLike pattern, in the environment's account. " +
          "Default none.",
      ),
  })
    .prefault({})
    .describe("IAM: who deploys, who may break glass, who operates, and the permissions boundary of every role the project creates."),
  tags: z
    .record(
      z.string().regex(/^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u, {
        error: () => "tag keys must be 1 to 128 characters of letters, digits, spaces and _.:/=+-@, not starting with aws:",
      }),
      z.string().regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u, {
        error: () => "tag values must be at most 256 characters of letters, digits, spaces and _.:/=+-@",
      }),
    )
    .default({})
    .describe(
      `Extra tags on every taggable resource. The keys ${RESERVED_TAG_KEYS.join(", ")} are set by the project and refused ` +
        "here, as is the aws: prefix; at most 45 extra tags (AWS allows 50 per resource). Default none.",
    ),
});

export type ConfigInput = z.input<typeof ConfigSchema>;
export type ParsedConfig = z.output<typeof ConfigSchema>;
