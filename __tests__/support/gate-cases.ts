/** Configurations the gate refuses (beyond those refused before issue "refuse at synth"), as inputs for the table-driven tests. */
import { rawVariant } from "./config";

export type GateInput =
  | { readonly kind: "json"; readonly raw: unknown }
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "env"; readonly env: Record<string, string> }
  | { readonly kind: "directory" }
  | { readonly kind: "missing" };

const dev = (patch: Record<string, any>): GateInput => ({ kind: "json", raw: rawVariant("dev", patch) });
const mysql = (patch: Record<string, any> = {}): GateInput =>
  dev({ database: { engine: "aurora-mysql", engineVersion: "8.0.mysql_aurora.3.08.2", rpoEnforcement: "alarm", ...patch } });
const devText = JSON.stringify(rawVariant("dev"), null, 2);

/** [name, input] — the expected lines live in the test, next to each name. */
export const GATE_INPUTS: Record<string, GateInput> = {
  // engine coherence
  "a MySQL version with the PostgreSQL engine": dev({ database: { engineVersion: "8.0.mysql_aurora.3.08.2" } }),
  "a PostgreSQL version with the MySQL engine": mysql({ engineVersion: "14.15" }),
  "a PostgreSQL minor that does not exist": dev({ database: { engineVersion: "14.99" } }),
  "a PostgreSQL minor Aurora skipped": dev({ database: { engineVersion: "16.5" } }),
  "a PostgreSQL major past support and not in the table": dev({ database: { engineVersion: "12.22" } }),
  "a PostgreSQL version in the old three-part form": dev({ database: { engineVersion: "9.6.22" } }),
  "an Aurora MySQL version 2 (5.7)": mysql({ engineVersion: "5.7.mysql_aurora.2.12.3" }),
  "an Aurora MySQL patch that does not exist": mysql({ engineVersion: "8.0.mysql_aurora.3.08.9" }),
  "a PostgreSQL version without Serverless v2 in serverless mode": dev({ database: { engineVersion: "13.4" } }),
  "a burstable instance class": dev({ database: { capacity: { mode: "provisioned", minAcu: undefined, maxAcu: undefined, instanceClass: "db.t4g.medium" } } }),
  "a general-purpose instance class": dev({ database: { capacity: { mode: "provisioned", minAcu: undefined, maxAcu: undefined, instanceClass: "db.m6g.large" } } }),
  "an instance size that does not exist": dev({ database: { capacity: { mode: "provisioned", minAcu: undefined, maxAcu: undefined, instanceClass: "db.r6g.huge" } } }),
  "an instance family that does not exist": dev({ database: { capacity: { mode: "provisioned", minAcu: undefined, maxAcu: undefined, instanceClass: "db.z9.large" } } }),
  "the serverless class in provisioned mode": dev({ database: { capacity: { mode: "provisioned", minAcu: undefined, maxAcu: undefined, instanceClass: "db.serverless" } } }),
  // targets and failover timing
  "an approval window longer than the RTO": dev({ failover: { authority: "approval", approvalTimeoutSeconds: 2400 } }),
  "an approval mode that pages nobody": dev({ failover: { authority: "approval" }, alerts: { emails: [] } }),
  "a manual mode that pages nobody": dev({ failover: { authority: "manual" }, alerts: { emails: [] } }),
  "a poll interval longer than the whole wait": dev({ failover: { pollIntervalSeconds: 120, maxWaitSeconds: 60 } }),
  "a poll interval longer than one lock-bounded slice": dev({ failover: { pollIntervalSeconds: 200, maxWaitSeconds: 600, lockTtlSeconds: 300 } }),
  "a standby task minimum above the active minimum": dev({ service: { capacity: { active: { min: 1, max: 4 }, standby: { min: 2, max: 4 } } } }),
  "16 instances in the writer's cluster": dev({ database: { instances: { active: 16 } } }),
  "17 instances in the standby cluster": dev({ database: { instances: { standby: 17 } } }),
  // names
  "an internationalized domain name": dev({ dns: { domainName: "dr.bücher.example" } }),
  "a DNS label over 63 characters": dev({ dns: { domainName: `${"a".repeat(64)}.example.com` } }),
  "a domain name over 253 characters": dev({ dns: { domainName: `${Array.from({ length: 5 }, () => "b".repeat(60)).join(".")}.com` } }),
  "a certificate first name over 64 characters": dev({ dns: { domainName: `${"c".repeat(57)}.example` } }),
  "a record name that makes the regional label over 63": dev({ dns: { domainName: "x.io", recordName: "r".repeat(59) } }),
  "an uppercase domain name": dev({ dns: { domainName: "Dev.Example.com" } }),
  "a PostgreSQL reserved word as master user": dev({ database: { masterUsername: "user" } }),
  "rdsadmin as master user": dev({ database: { masterUsername: "rdsadmin" } }),
  "a pg_ master user": dev({ database: { masterUsername: "pg_admin" } }),
  "a MySQL reserved word as master user": mysql({ masterUsername: "select" }),
  "a PostgreSQL template database name": dev({ database: { databaseName: "template1" } }),
  "a PostgreSQL reserved word as database name": dev({ database: { databaseName: "table" } }),
  "a MySQL system schema as database name": mysql({ databaseName: "mysql" }),
  // network
  "a loopback VPC block": dev({ network: { cidrs: { primary: "127.0.0.0/16" } } }),
  "a link-local VPC block": dev({ network: { cidrs: { secondary: "169.254.0.0/16" } } }),
  "a multicast VPC block": dev({ network: { cidrs: { primary: "224.0.0.0/16" } } }),
  "a VPC block in 0.0.0.0/8": dev({ network: { cidrs: { primary: "0.0.0.0/16" } } }),
  "a VPC block in 240.0.0.0/4": dev({ network: { cidrs: { primary: "240.0.0.0/16" } } }),
  "a documentation VPC block": dev({ network: { cidrs: { primary: "192.0.2.0/24" } } }),
  "a benchmarking VPC block": dev({ network: { cidrs: { secondary: "198.18.0.0/16" } } }),
  "more zones than us-east-2 has": dev({ network: { availabilityZones: 4 } }),
  "more zones than us-west-1 has": dev({ regions: { secondary: "us-west-1" }, network: { availabilityZones: 3 } }),
  "a health-check region twice": dev({ dns: { healthCheckRegions: ["us-east-1", "us-east-1", "eu-west-1"] } }),
  // protection
  "a compliance-mode vault lock in a destroyable profile": dev({ backup: { vaultLock: { enabled: true, changeableForDays: 3 } } }),
  "a governance-mode vault lock with a cooling-off period": dev({ backup: { vaultLock: { enabled: true, mode: "governance", changeableForDays: 3 } } }),
  "a cooling-off period shorter than AWS's 72 hours": dev({ backup: { vaultLock: { changeableForDays: 2 } } }),
  "a vault lock maximum beyond AWS's 100 years": dev({ backup: { vaultLock: { maxRetentionDays: 36_501 } } }),
  "an hourly retention below the vault lock's minimum": dev({ backup: { vaultLock: { enabled: true, minRetentionDays: 7 } } }),
  "an air-gapped vault minimum below AWS's 7 days": dev({ backup: { airGappedVault: { minRetentionDays: 6 } } }),
  "a monthly retention above the air-gapped vault's maximum": dev({ backup: { airGappedVault: { enabled: true, maxRetentionDays: 100 } } }),
  "an air-gapped vault key of another region": dev({
    backup: {
      airGappedVault: {
        kmsKeyArns: {
          "us-east-1": "arn:aws:kms:us-east-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab",
          "us-east-2": "arn:aws:kms:us-west-2:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        },
      },
    },
  }),
  "a cross-account copy for one region only": dev({
    backup: { crossAccountCopy: { destinationVaultArns: { "us-east-1": "arn:aws:backup:us-east-1:210987654321:backup-vault:dr-copies" } } },
  }),
  "a cross-account copy into the environment's own account": dev({
    backup: {
      crossAccountCopy: {
        destinationVaultArns: {
          "us-east-1": "arn:aws:backup:us-east-1:111122223333:backup-vault:dr-copies",
          "us-east-2": "arn:aws:backup:us-east-2:210987654321:backup-vault:dr-copies",
        },
      },
    },
  }),
  "a compliance-mode Object Lock on the trail of a destroyable profile": dev({ audit: { objectLock: { enabled: true } } }),
  // who deploys, administers and breaks glass
  "no deploy role": dev({ iam: { deployRoleArns: [] } }),
  "every role of the account as deploy role": dev({ iam: { deployRoleArns: ["arn:aws:iam::111122223333:role/*"] } }),
  "a deploy role of another partition": dev({ iam: { deployRoleArns: ["arn:aws-cn:iam::111122223333:role/txdr-deploy-dev"] } }),
  "a break-glass role in another account": dev({ iam: { breakGlassRoleArns: ["arn:aws:iam::999999999999:role/break-glass"] } }),
  "an assumed-role session as failover operator": dev({ failover: { operatorPrincipals: ["arn:aws:sts::111122223333:assumed-role/sre/jane"] } }),
  "key administrators without the deploy role": dev({ kms: { administratorRoleArns: ["arn:aws:iam::111122223333:role/security"] } }),
  "a protected configuration without a permissions boundary": { kind: "json", raw: rawVariant("variant-a", { iam: { permissionsBoundaryArn: undefined } }) },
  "a paging URL in a protected configuration": {
    kind: "json",
    raw: rawVariant("variant-a", { alerts: { httpsEndpoints: ["https://events.pager.example/integration/0123456789abcdef/enqueue"] } }),
  },
  // free text AWS parses
  "a cron expression with five fields": dev({ backup: { restoreTesting: { scheduleExpression: "cron(0 6 ? * SAT)" } } }),
  "a cron expression with both day fields": dev({ backup: { restoreTesting: { scheduleExpression: "cron(0 6 * * SAT *)" } } }),
  "a cron minute of 61": dev({ backup: { restoreTesting: { scheduleExpression: "cron(61 6 ? * SAT *)" } } }),
  "a cron hour of 24": dev({ backup: { restoreTesting: { scheduleExpression: "cron(0 24 ? * SAT *)" } } }),
  "a cron month that is not a month": dev({ backup: { restoreTesting: { scheduleExpression: "cron(0 6 ? FOO SAT *)" } } }),
  "a cron weekday that is not a day": dev({ backup: { restoreTesting: { scheduleExpression: "cron(0 6 ? * FUNDAY *)" } } }),
  "a cron year before 1970": dev({ backup: { restoreTesting: { scheduleExpression: "cron(0 6 ? * SAT 1960)" } } }),
  "a cron question mark in the minutes": dev({ backup: { restoreTesting: { scheduleExpression: "cron(? 6 ? * SAT *)" } } }),
  "a cron step of zero": dev({ backup: { restoreTesting: { scheduleExpression: "cron(0/0 6 ? * SAT *)" } } }),
  "a deprecated canary runtime": dev({ canaries: { runtimeVersion: "syn-nodejs-puppeteer-6.2" } }),
  "a canary runtime that does not exist": dev({ canaries: { runtimeVersion: "syn-nodejs-puppeteer-99.0" } }),
  "a GovCloud permissions boundary for commercial regions": dev({ iam: { permissionsBoundaryArn: "arn:aws-us-gov:iam::123456789012:policy/boundary" } }),
  "a China permissions boundary for commercial regions": dev({ iam: { permissionsBoundaryArn: "arn:aws-cn:iam::123456789012:policy/boundary" } }),
  // secrets in plain configuration
  "a password in the environment": dev({ service: { environment: { DB_PASSWORD: "hunter2" } } }),
  "a token in the environment": dev({ service: { environment: { API_TOKEN: "abc123" } } }),
  "an AWS access key id in the environment": dev({ service: { environment: { UPSTREAM: "AKIAIOSFODNN7EXAMPLE" } } }),
  "a private key in the environment": dev({ service: { environment: { TLS_MATERIAL: "-----BEGIN RSA PRIVATE KEY-----\nMIIE..." } } }),
  "a URL with a password in the environment": dev({ service: { environment: { DATABASE_URL: "postgres://app:s3cret@db.internal:5432/tx" } } }),
  "a JSON Web Token in the environment": dev({ service: { environment: { UPSTREAM_BEARER: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJl" } } }),
  // the file itself
  "a second suffix key": { kind: "text", text: devText.replace('"suffix": "dev",', '"suffix": "dev",\n  "suffix": "prd",') },
  "a nested key written twice": { kind: "text", text: devText.replace('"rpoSeconds": 300,', '"rpoSeconds": 300,\n    "rpoSeconds": 30,') },
  "a JSON syntax error": { kind: "text", text: devText.replace('"suffix": "dev",', '"suffix": "dev"') },
  "an empty file": { kind: "text", text: "" },
  "a JSON array instead of an object": { kind: "text", text: "[]" },
  "a directory": { kind: "directory" },
  "a missing file": { kind: "missing" },
  "DR_CONFIG set but empty": { kind: "env", env: { DR_CONFIG: "" } },
};
