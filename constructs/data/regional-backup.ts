/**
 * AWS Backup in one region: a vault encrypted with the region's backup key
 * (locked in production: compliance mode, so after its cooling-off nobody can
 * delete a recovery point before its retention ends or remove the lock; a
 * vault access policy that denies deleting recovery points, shortening their
 * lifecycle or deleting the vault to every principal, and changing the policy
 * or the lock to all but the deploy and break-glass roles), the daily and
 * monthly recovery points also copied to a logically air-gapped vault and,
 * where configured, to a vault of another account, a plan with hourly (the shortest AWS Backup allows,
 * with continuous backup where the RPO is below an hour), daily and monthly
 * rules, the daily and monthly ones copied to the other region's vault (hourly
 * ones only with backup.copyHourlyRecoveryPoints), a selection of the
 * region's Aurora cluster, tables and buckets, a restore-testing plan, and
 * EventBridge rules that page on failed backup, copy and restore jobs.
 *
 * Both regions run the same plan, and the selection takes only resources whose
 * DR-Role tag is "active": the writer's region backs up and copies to the
 * other; after a failover, changing regions.active moves the backups with it.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { BackupLogicallyAirGappedVault } from "@cdktf/provider-aws/lib/backup-logically-air-gapped-vault";
import { BackupPlan, BackupPlanRule } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupRegionSettings } from "@cdktf/provider-aws/lib/backup-region-settings";
import { BackupRestoreTestingPlan } from "@cdktf/provider-aws/lib/backup-restore-testing-plan";
import { BackupRestoreTestingSelection } from "@cdktf/provider-aws/lib/backup-restore-testing-selection";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { BackupVaultPolicy } from "@cdktf/provider-aws/lib/backup-vault-policy";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { AwsRegion } from "../../lib/aws-regions";
import { RegionCatalog } from "../../lib/catalog";
import { DrConfig } from "../../lib/config/model";
import { RemovalPolicy } from "../../lib/removal";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";

/** Schedules (UTC). Hourly is the shortest interval AWS Backup allows for snapshot rules. */
export const BACKUP_SCHEDULES = {
  hourly: "cron(0 * ? * * *)",
  daily: "cron(0 5 ? * * *)",
  monthly: "cron(0 5 1 * ? *)",
} as const;

/**
 * Every resource type AWS Backup's DescribeRegionSettings returns, in the terms of
 * aws_backup_region_settings.resource_type_opt_in_preference. The API returns the whole map whatever was
 * set, and the provider compares it with the configuration, so a configuration that names fewer types shows
 * a diff on every plan: this list is the full map of hashicorp/aws 6.25's documented example
 * (website/docs/r/backup_region_settings.html.markdown), which its acceptance tests apply. When AWS adds a
 * type, the plan shows it as a diff: add it here.
 */
export const BACKUP_OPT_IN_RESOURCE_TYPES = [
  "Aurora",
  "CloudFormation",
  "DocumentDB",
  "DSQL",
  "DynamoDB",
  "EBS",
  "EC2",
  "EFS",
  "FSx",
  "Neptune",
  "RDS",
  "Redshift",
  "Redshift Serverless",
  "S3",
  "SAP HANA on Amazon EC2",
  "Storage Gateway",
  "VirtualMachine",
] as const;

/** The resource types that support full AWS Backup management (resource_type_management_preference), same source. */
export const BACKUP_FULL_MANAGEMENT_RESOURCE_TYPES = ["CloudFormation", "DSQL", "DynamoDB", "EFS"] as const;

/** Job states that page someone. Restore events report `status`, backup and copy events `state`. */
export const FAILED_JOB_STATES = ["FAILED", "ABORTED", "EXPIRED"];

/**
 * What the vault access policy denies to every principal: deleting a recovery point, shortening its lifecycle, and
 * deleting the vault (the actions a vault access policy can deny; AWS Config's backup-recovery-point-manual-deletion-disabled
 * rule asks for the first two and backup:PutBackupVaultAccessPolicy, denied below to all but the named roles).
 */
export const VAULT_DENIED_TO_ALL = ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVault"];

/** What the vault access policy denies to all but the deploy and break-glass roles: changing the policy itself or the lock. */
export const VAULT_DENIED_TO_OTHERS = [
  "backup:PutBackupVaultAccessPolicy",
  "backup:DeleteBackupVaultAccessPolicy",
  "backup:PutBackupVaultLockConfiguration",
  "backup:DeleteBackupVaultLockConfiguration",
];

/** The backup section of the configuration: retentions, vault lock, air gap, restore testing. */
export type BackupSettings = DrConfig["backup"];

export interface RegionalBackupProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  /** Names of the vaults, plan, restore-testing plan, role and failure rules. */
  readonly names: Pick<RegionCatalog, "backupVault" | "airGappedVault" | "backupPlan" | "restoreTestingPlan" | "backupRole" | "backupFailureRule">;
  readonly settings: BackupSettings;
  readonly region: AwsRegion;
  readonly otherRegion: AwsRegion;
  /** ARN of the region's backup key. */
  readonly backupKeyArn: string;
  /** Resources to protect (cluster, tables, buckets of this region). */
  readonly resourceArns: string[];
  /** ARN of the region's alert topic, for failed-job events. */
  readonly alertTopicArn: string;
  /**
   * ARN of the permissions boundary of the backup role.
   * @default no boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * "retain": the vaults are prevent_destroy; "destroy": the vault is destroyed with its recovery points.
   * @default "retain"
   */
  readonly removal?: RemovalPolicy;
  /**
   * A vault access policy: no principal may delete a recovery point, shorten its lifecycle or delete the vault, and only
   * these roles (the deploy and break-glass roles, which apply this configuration) may change the policy or the lock.
   * @default no vault access policy (the destroyable profile, whose vaults are destroyed with their recovery points)
   */
  readonly vaultPolicyAdministratorArns?: readonly string[];
  /**
   * Key (ARN, in this region) of the logically air-gapped vault.
   * @default the AWS-owned key (no principal of this account can disable or delete it)
   */
  readonly airGappedKeyArn?: string;
  /**
   * A vault of another account that also receives the daily and monthly recovery points (backup.crossAccountCopy).
   * @default no cross-account copy
   */
  readonly crossAccountVaultArn?: string;
}

export class RegionalBackup extends Construct {
  readonly vault: BackupVault;
  readonly plan: BackupPlan;
  readonly airGappedVault?: BackupLogicallyAirGappedVault;
  readonly restoreTestingPlan?: BackupRestoreTestingPlan;
  readonly failureRules: CloudwatchEventRule[] = [];

  constructor(scope: Construct, id: string, props: RegionalBackupProps) {
    super(scope, id);
    const { provider, account, names, region } = props;
    const backup = props.settings;
    const protectedProfile = (props.removal ?? "retain") === "retain";
    const vaultName = names.backupVault;

    this.vault = new BackupVault(this, "vault", {
      provider,
      name: vaultName,
      kmsKeyArn: props.backupKeyArn,
      forceDestroy: !protectedProfile,
      lifecycle: { preventDestroy: protectedProfile },
    });
    if (backup.vaultLock.enabled) {
      new BackupVaultLockConfiguration(this, "vault-lock", {
        provider,
        backupVaultName: this.vault.name,
        minRetentionDays: backup.vaultLock.minRetentionDays,
        maxRetentionDays: backup.vaultLock.maxRetentionDays,
        // Compliance mode: immutable once the cooling-off period ends. Governance mode has no changeable_for_days.
        changeableForDays: backup.vaultLock.mode === "compliance" ? backup.vaultLock.changeableForDays : undefined,
      });
    }
    if (props.vaultPolicyAdministratorArns) {
      const anyone = [{ type: "AWS", identifiers: ["*"] }];
      const document = new DataAwsIamPolicyDocument(this, "vault-policy-document", {
        provider,
        statement: [
          // Resource "*" in a vault access policy is the vault and its recovery points.
          { sid: "NoOneDeletesRecoveryPointsOrTheVault", effect: "Deny", principals: anyone, actions: VAULT_DENIED_TO_ALL, resources: ["*"] },
          {
            sid: "OnlyDeployAndBreakGlassRolesChangeThisPolicyOrTheLock",
            effect: "Deny",
            principals: anyone,
            actions: VAULT_DENIED_TO_OTHERS,
            resources: ["*"],
            condition: [{ test: "ArnNotLike", variable: "aws:PrincipalArn", values: [...props.vaultPolicyAdministratorArns] }],
          },
        ],
      });
      new BackupVaultPolicy(this, "vault-policy", { provider, backupVaultName: this.vault.name, policy: document.json });
    }
    if (backup.airGappedVault.enabled) {
      this.airGappedVault = new BackupLogicallyAirGappedVault(this, "air-gapped-vault", {
        provider,
        name: names.airGappedVault,
        minRetentionDays: backup.airGappedVault.minRetentionDays,
        maxRetentionDays: backup.airGappedVault.maxRetentionDays,
        encryptionKeyArn: props.airGappedKeyArn,
        lifecycle: { preventDestroy: protectedProfile },
      });
    }

    // The other region's vault has the same name; its ARN is built, not read from its state.
    const otherVaultArn = account.arns.backupVault(props.otherRegion);
    // Copied to the other region: daily and monthly points always, hourly ones only on request (backup.copyHourlyRecoveryPoints).
    // The recovery targets for a lost region are met by replication; the copies cover corruption found after a region is lost.
    const copiedToOtherRegion = (ruleName: keyof typeof BACKUP_SCHEDULES) => ruleName !== "hourly" || backup.copyHourlyRecoveryPoints;
    const rule = (ruleName: keyof typeof BACKUP_SCHEDULES, deleteAfter: number, extra: Partial<BackupPlanRule> = {}): BackupPlanRule => ({
      ruleName,
      targetVaultName: this.vault.name,
      schedule: BACKUP_SCHEDULES[ruleName],
      startWindow: 60,
      completionWindow: ruleName === "hourly" ? 120 : 480,
      lifecycle: { deleteAfter },
      recoveryPointTags: { BackupRule: ruleName },
      copyAction: [
        ...(copiedToOtherRegion(ruleName) ? [{ destinationVaultArn: otherVaultArn, lifecycle: { deleteAfter } }] : []),
        ...(extra.copyAction instanceof Array ? extra.copyAction : []),
      ],
      enableContinuousBackup: extra.enableContinuousBackup,
    });
    // Daily and monthly points also go where no principal of this account can delete them: the air-gapped vault and,
    // where configured, a vault of another account.
    const outsideCopies = (deleteAfter: number) => [
      ...(this.airGappedVault ? [{ destinationVaultArn: this.airGappedVault.arn, lifecycle: { deleteAfter } }] : []),
      ...(props.crossAccountVaultArn ? [{ destinationVaultArn: props.crossAccountVaultArn, lifecycle: { deleteAfter } }] : []),
    ];
    this.plan = new BackupPlan(this, "plan", {
      provider,
      name: names.backupPlan,
      rule: [
        rule("hourly", backup.hourlyRetentionDays, { enableContinuousBackup: backup.continuousBackup }),
        rule("daily", backup.dailyRetentionDays, { copyAction: outsideCopies(backup.dailyRetentionDays) }),
        rule("monthly", backup.monthlyRetentionDays, { copyAction: outsideCopies(backup.monthlyRetentionDays) }),
      ],
    });

    const role = new BoundedRole(this, "role", {
      provider,
      roleName: names.backupRole,
      description: `AWS Backup and restore testing in ${region}`,
      assumedBy: "backup.amazonaws.com",
      // Against the confused deputy: AWS Backup may assume the role only for jobs of this account (the condition
      // AWS Backup service roles carry in, for example, nationalarchives/terraform-aws-immutable-aws-backup).
      trustConditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      managedPolicyArns: [
        account.arns.managedPolicy("service-role/AWSBackupServiceRolePolicyForBackup"),
        account.arns.managedPolicy("service-role/AWSBackupServiceRolePolicyForRestores"),
        account.arns.managedPolicy("AWSBackupServiceRolePolicyForS3Backup"),
        account.arns.managedPolicy("AWSBackupServiceRolePolicyForS3Restore"),
      ],
    });
    new BackupSelection(this, "selection", {
      provider,
      name: names.backupPlan,
      planId: this.plan.id,
      iamRoleArn: role.arn,
      resources: props.resourceArns,
      // Only the active region's resources: the provider default tags keep DR-Role current.
      condition: [{ stringEquals: [{ key: "aws:ResourceTag/DR-Role", value: "active" }] }],
    });

    if (backup.manageRegionSettings) {
      new BackupRegionSettings(this, "region-settings", {
        provider,
        // Every type, opted in: opt-in only lets AWS Backup protect a type when a plan selects it, and this
        // project's selection lists its own resources by ARN.
        resourceTypeOptInPreference: Object.fromEntries(BACKUP_OPT_IN_RESOURCE_TYPES.map((type) => [type, true])),
        // Full management everywhere AWS offers it; for DynamoDB it is what makes cross-region copies of tables possible.
        resourceTypeManagementPreference: Object.fromEntries(BACKUP_FULL_MANAGEMENT_RESOURCE_TYPES.map((type) => [type, true])),
      });
    }

    if (backup.restoreTesting.enabled) {
      this.restoreTestingPlan = new BackupRestoreTestingPlan(this, "restore-testing", {
        provider,
        name: names.restoreTestingPlan,
        scheduleExpression: backup.restoreTesting.scheduleExpression,
        startWindowHours: 24,
        recoveryPointSelection: [
          {
            algorithm: "LATEST_WITHIN_WINDOW",
            includeVaults: [this.vault.arn],
            recoveryPointTypes: ["SNAPSHOT"],
            selectionWindowDays: backup.restoreTesting.selectionWindowDays,
          },
        ],
      });
      for (const type of ["Aurora", "DynamoDB", "S3"]) {
        new BackupRestoreTestingSelection(this, `restore-testing-${type.toLowerCase()}`, {
          provider,
          name: `${type.toLowerCase()}_latest`,
          restoreTestingPlanName: this.restoreTestingPlan.name,
          protectedResourceType: type,
          protectedResourceArns: ["*"],
          iamRoleArn: role.arn,
          validationWindowHours: 1,
        });
      }
    }

    const failureRule = (kind: "backup" | "copy" | "restore", detailType: string) => {
      const eventRule = new CloudwatchEventRule(this, `${kind}-job-failed`, {
        provider,
        name: names.backupFailureRule(kind),
        description: `Pages when an AWS Backup ${kind} job in ${region} ends ${FAILED_JOB_STATES.join(", ")}`,
        eventPattern: JSON.stringify({
          source: ["aws.backup"],
          "detail-type": [detailType],
          $or: [{ detail: { state: FAILED_JOB_STATES } }, { detail: { status: FAILED_JOB_STATES } }],
        }),
      });
      new CloudwatchEventTarget(this, `${kind}-job-failed-target`, {
        provider,
        rule: eventRule.name,
        arn: props.alertTopicArn,
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
      });
      this.failureRules.push(eventRule);
    };
    failureRule("backup", "Backup Job State Change");
    failureRule("copy", "Copy Job State Change");
    failureRule("restore", "Restore Job State Change");
  }
}
