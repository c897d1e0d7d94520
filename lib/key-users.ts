/**
 * Who may use each customer-managed key of a region, and through which AWS service: the named users of the key
 * policies (constructs/security/regional-keys.ts). A key policy names its users by role ARN (in an aws:PrincipalArn
 * condition, so that a role created by a later stack, or re-created, needs no key-policy change), each only through
 * the services that use the key on the role's behalf (kms:ViaService), never directly.
 *
 * The roles are the project's own, by their catalog names, in this region and (where a role works across regions)
 * in the other one: every entry mirrors a KMS statement in that role's own policy, and each such statement has an
 * entry here (__tests__/keys.test.ts checks both directions on every shipped configuration). Roles of people and
 * pipelines come from configuration (iam.deployRoleArns, iam.operatorRoleArns) and are added by the stacks.
 */
import { KeyPurpose, RegionArns, RegionCatalog } from "./catalog";

/** One use of a key: the roles (by name) that use it through one AWS service of the key's region. */
export interface KeyUse {
  /** The AWS service that uses the key on the roles' behalf (the kms:ViaService prefix: "dynamodb", "s3", ...). */
  readonly service: string;
  /** Role names (the catalog's), in this account. */
  readonly roles: readonly string[];
}

/** Which optional parts of the deployment exist (their roles are named only when they do). */
export interface KeyUserFeatures {
  readonly canaries: boolean;
  readonly reconciliation: boolean;
  readonly pagingForwarder: boolean;
}

/**
 * The project's roles that use the keys of `own`'s region. `peer` is the other region's catalog: its failover
 * orchestrator fences through this region's control table replica, its reconciler reads this region's records and
 * log objects, its replication role writes replicas here, and its backup role copies recovery points into this
 * region's vault.
 */
export function projectKeyUsers(own: RegionCatalog, peer: RegionCatalog, features: KeyUserFeatures): Record<KeyPurpose, KeyUse[]> {
  const both = (pick: (c: RegionCatalog) => string) => [pick(own), pick(peer)];
  const reconcilers = features.reconciliation ? both((c) => c.functionRoles.reconciler) : [];
  const ownReconciler = features.reconciliation ? [own.functionRoles.reconciler] : [];
  const forwarder = features.pagingForwarder ? [own.paging.role] : [];
  return {
    data: [
      {
        service: "dynamodb",
        roles: [
          own.taskRole,
          own.functionRoles.transactionProcessor,
          ...both((c) => c.functionRoles.failoverOrchestrator),
          own.functionRoles.healthMonitor,
          ...reconcilers,
          ...both((c) => c.backupRole),
          // People read pending approvals and audit records in the state table (npm run approve, npm run why-failed).
          own.operatorRole,
        ],
      },
      {
        service: "s3",
        roles: [
          own.taskRole,
          own.functionRoles.transactionProcessor,
          ...(features.canaries ? [own.canaryRole] : []),
          ...reconcilers,
          ...both((c) => c.replicationRole),
          ...both((c) => c.backupRole),
        ],
      },
      // AWS Backup copies Aurora snapshots (not fully managed by AWS Backup) through RDS with the backup role.
      { service: "rds", roles: both((c) => c.backupRole) },
    ],
    secrets: [
      { service: "secretsmanager", roles: [own.executionRole, own.taskRole, ...forwarder] },
      { service: "ssm", roles: [own.executionRole, own.taskRole] },
      // Lambda decrypts each function's environment variables with the function's execution role.
      {
        service: "lambda",
        roles: [
          own.functionRoles.transactionProcessor,
          own.functionRoles.failoverOrchestrator,
          own.functionRoles.healthMonitor,
          ...ownReconciler,
          ...forwarder,
        ],
      },
    ],
    // Both regions' backup roles: copy jobs started by the other region's plan encrypt into this region's vault.
    backup: [{ service: "backup", roles: both((c) => c.backupRole) }],
    messaging: [
      { service: "sns", roles: [own.functionRoles.failoverOrchestrator, own.functionRoles.healthMonitor, ...ownReconciler] },
      // Failed asynchronous invocations go to encrypted queues with the function's execution role.
      { service: "sqs", roles: [own.functionRoles.healthMonitor, ...forwarder] },
    ],
    // CloudWatch Logs uses the logs key itself (a service principal bound to this account's log groups).
    logs: [],
  };
}

/** The services through which Terraform (the deploy roles) creates resources encrypted with each key. */
export const DEPLOY_SERVICES: Readonly<Record<KeyPurpose | "audit" | "tfstate", readonly string[]>> = {
  data: ["rds", "dynamodb", "s3", "ecr"],
  secrets: ["secretsmanager", "ssm", "lambda"],
  backup: ["backup"],
  messaging: ["sns", "sqs", "events"],
  logs: ["logs"],
  audit: ["cloudtrail", "s3"],
  tfstate: ["s3", "dynamodb"],
};

/**
 * Services whose service-linked roles act with a key on the account's behalf (DynamoDB's global-table replication,
 * ECR's registry replication, RDS, AWS Backup): only that service can assume a service-linked role.
 */
export const SERVICE_LINKED_SERVICES: Readonly<Partial<Record<KeyPurpose, readonly string[]>>> = {
  data: ["rds", "dynamodb", "s3", "ecr"],
  secrets: ["secretsmanager"],
  backup: ["backup"],
};

/** Operators read reports, parameters, dead-letter queues and trail logs from outside the VPCs (iam.operatorRoleArns). */
export const OPERATOR_SERVICES: Readonly<Partial<Record<KeyPurpose | "audit", readonly string[]>>> = {
  data: ["s3", "dynamodb"],
  secrets: ["ssm"],
  messaging: ["sqs"],
  audit: ["s3"],
};

/** Role names to ARNs in the stack's account. */
export function roleArns(arns: RegionArns, names: readonly string[]): string[] {
  return [...new Set(names)].map((name) => arns.role(name));
}

/** One named use of a key in its policy (constructs/security/regional-key.ts KeyUser). */
export interface KeyPolicyUser {
  readonly sid: string;
  readonly principalArns: readonly string[];
  readonly services: readonly string[];
  readonly actions?: readonly string[];
  readonly grantsForAwsResources?: boolean;
}

/** The people and pipelines of configuration (iam.*). */
export interface ConfiguredRoles {
  readonly deployRoleArns: readonly string[];
  readonly breakGlassRoleArns: readonly string[];
  readonly operatorRoleArns: readonly string[];
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Every named user of a key of one purpose: the deploy roles through the services Terraform creates encrypted
 * resources with (and the grants those services need), the project's roles through the services they use, the
 * account's service-linked roles through their services, and the operators (reads only, writes for the data key's
 * replay) through the services they read with.
 */
export function keyPolicyUsers(
  purpose: KeyPurpose | "audit" | "tfstate",
  arns: RegionArns,
  roles: ConfiguredRoles,
  project: readonly KeyUse[] = [],
): KeyPolicyUser[] {
  const users: KeyPolicyUser[] = [
    { sid: "DeployRolesUseKeyThroughServices", principalArns: roles.deployRoleArns, services: DEPLOY_SERVICES[purpose], grantsForAwsResources: true },
  ];
  // The state key: break glass keeps the state readable when the deploy roles are gone.
  if (purpose === "tfstate") users.push({ sid: "BreakGlassRolesUseStateKey", principalArns: roles.breakGlassRoleArns, services: DEPLOY_SERVICES.tfstate });
  for (const use of project) {
    users.push({ sid: `ProjectRolesThrough${capitalized(use.service)}`, principalArns: roleArns(arns, use.roles), services: [use.service] });
  }
  const linked = purpose === "audit" || purpose === "tfstate" ? undefined : SERVICE_LINKED_SERVICES[purpose];
  if (linked) users.push({ sid: "ServiceLinkedRolesThroughTheirServices", principalArns: [arns.serviceLinkedRoles], services: linked, grantsForAwsResources: true });
  const operated = purpose === "tfstate" ? undefined : OPERATOR_SERVICES[purpose];
  if (operated) {
    users.push({
      sid: "OperatorsReadThroughServices",
      principalArns: roles.operatorRoleArns,
      services: operated,
      // The replay of a reconciliation writes records and log objects (npm run reconcile -- --replay).
      actions: purpose === "data" ? undefined : ["kms:Decrypt", "kms:DescribeKey"],
    });
  }
  return users;
}
