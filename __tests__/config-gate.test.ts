/**
 * The configuration gate, table-driven: every configuration below was accepted
 * before the gate refused what AWS refuses at apply time (or what makes a DR
 * setup that cannot work). Each case states the one line it must print (field,
 * what is allowed, the bad value), and is run through the same code path as
 * main.ts (runGate) with an existing cdktf.out beside it, which must stay
 * byte-identical. A few run through the real CLI in cli.test.ts.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { runGate } from "../lib/config/gate";
import { GATE_INPUTS, GateInput } from "./support/gate-cases";
import { rawVariant } from "./support/config";
import { tempDir } from "./support/synth";

/** The line each refused configuration prints (after "  - "); TMP stands for the temporary directory. */
const EXPECTED: Record<string, string> = {
  "a MySQL version with the PostgreSQL engine":
    "database.engineVersion: is an aurora-mysql version, but database.engine is aurora-postgresql; allowed: Aurora PostgreSQL versions 13.3 to 13.23, 14.3 to 14.20, 15.2 to 15.15, 16.1 to 16.11, 17.4 to 17.7 (got \"8.0.mysql_aurora.3.08.2\")",
  "a PostgreSQL version with the MySQL engine":
    "database.engineVersion: is an aurora-postgresql version, but database.engine is aurora-mysql; allowed: Aurora MySQL versions 8.0.mysql_aurora.3.04.0 to 8.0.mysql_aurora.3.12.0 (got \"14.15\")",
  "a PostgreSQL minor that does not exist":
    "database.engineVersion: is not a released aurora-postgresql version (as of lib/config/data/aurora-engines.ts); allowed: Aurora PostgreSQL versions 13.3 to 13.23, 14.3 to 14.20, 15.2 to 15.15, 16.1 to 16.11, 17.4 to 17.7 (got \"14.99\")",
  "a PostgreSQL minor Aurora skipped":
    "database.engineVersion: is not a released aurora-postgresql version (as of lib/config/data/aurora-engines.ts); allowed: Aurora PostgreSQL versions 13.3 to 13.23, 14.3 to 14.20, 15.2 to 15.15, 16.1 to 16.11, 17.4 to 17.7 (got \"16.5\")",
  "a PostgreSQL major past support and not in the table":
    "database.engineVersion: is not a major version of aurora-postgresql that this project supports; allowed: Aurora PostgreSQL versions 13.3 to 13.23, 14.3 to 14.20, 15.2 to 15.15, 16.1 to 16.11, 17.4 to 17.7 (got \"12.22\")",
  "a PostgreSQL version in the old three-part form":
    "database.engineVersion: is not an aurora-postgresql version number; allowed: Aurora PostgreSQL versions 13.3 to 13.23, 14.3 to 14.20, 15.2 to 15.15, 16.1 to 16.11, 17.4 to 17.7 (got \"9.6.22\")",
  "an Aurora MySQL version 2 (5.7)":
    "database.engineVersion: is not a major version of aurora-mysql that this project supports; allowed: Aurora MySQL versions 8.0.mysql_aurora.3.04.0 to 8.0.mysql_aurora.3.12.0 (got \"5.7.mysql_aurora.2.12.3\")",
  "an Aurora MySQL patch that does not exist":
    "database.engineVersion: is not a released aurora-mysql version (as of lib/config/data/aurora-engines.ts); allowed: Aurora MySQL versions 8.0.mysql_aurora.3.04.0 to 8.0.mysql_aurora.3.12.0 (got \"8.0.mysql_aurora.3.08.9\")",
  "a PostgreSQL version without Serverless v2 in serverless mode":
    "database.engineVersion: does not support Aurora Serverless v2 (database.capacity.mode is serverless-v2); use a later minor version or mode provisioned (got \"13.4\")",
  "a burstable instance class":
    "database.capacity.instanceClass: is a burstable class, and an Aurora global database requires memory-optimized instance classes; allowed: db.r5, db.r6g, db.r6gd, db.r6i, db.r6id, db.r7g, db.r7i, db.r8g, db.r8gd, db.x2g (for example db.r6g.large), or mode serverless-v2 (got \"db.t4g.medium\")",
  "a general-purpose instance class":
    "database.capacity.instanceClass: is a general-purpose class, and an Aurora global database requires memory-optimized instance classes; allowed: db.r5, db.r6g, db.r6gd, db.r6i, db.r6id, db.r7g, db.r7i, db.r8g, db.r8gd, db.x2g (for example db.r6g.large), or mode serverless-v2 (got \"db.m6g.large\")",
  "an instance size that does not exist":
    "database.capacity.instanceClass: is not an Aurora instance class that global databases support (db.r6g comes in large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge); allowed: db.r5, db.r6g, db.r6gd, db.r6i, db.r6id, db.r7g, db.r7i, db.r8g, db.r8gd, db.x2g (for example db.r6g.large), or mode serverless-v2 (got \"db.r6g.huge\")",
  "an instance family that does not exist":
    "database.capacity.instanceClass: is not an Aurora instance class that global databases support (there is no Aurora instance family db.z9); allowed: db.r5, db.r6g, db.r6gd, db.r6i, db.r6id, db.r7g, db.r7i, db.r8g, db.r8gd, db.x2g (for example db.r6g.large), or mode serverless-v2 (got \"db.z9.large\")",
  "the serverless class in provisioned mode":
    "database.capacity.instanceClass: is not an Aurora instance class that global databases support (db.serverless is the Serverless v2 class: set database.capacity.mode to serverless-v2 instead); allowed: db.r5, db.r6g, db.r6gd, db.r6i, db.r6id, db.r7g, db.r7i, db.r8g, db.r8gd, db.x2g (for example db.r6g.large), or mode serverless-v2 (got \"db.serverless\")",
  "an approval window longer than the RTO":
    "failover.approvalTimeoutSeconds: is longer than targets.rtoSeconds (1800): the runbook would still be waiting for an operator when the RTO has passed; allowed: 60 to 1800 with failover.authority \"approval\" (got 2400)",
  "an approval mode that pages nobody":
    "failover.authority: needs an operator, but alerts.emails and alerts.httpsEndpoints are both empty and alerts.pagingForwarder is off, so nobody is paged; add at least one alert destination, or use \"automatic\" (got \"approval\")",
  "a manual mode that pages nobody":
    "failover.authority: needs an operator, but alerts.emails and alerts.httpsEndpoints are both empty and alerts.pagingForwarder is off, so nobody is paged; add at least one alert destination, or use \"automatic\" (got \"manual\")",
  "a poll interval longer than the whole wait":
    "failover.pollIntervalSeconds: is longer than one wait for the new writer (60 s, from failover.maxWaitSeconds 60 and failover.lockTtlSeconds 1800): the orchestrator would check once and give up; allowed: 1 to 60 (got 120)",
  "a poll interval longer than one lock-bounded slice":
    "failover.pollIntervalSeconds: is longer than one wait for the new writer (150 s, from failover.maxWaitSeconds 600 and failover.lockTtlSeconds 300): the orchestrator would check once and give up; allowed: 1 to 150 (got 200)",
  "a standby task minimum above the active minimum":
    "service.capacity.standby.min: is above service.capacity.active.min (1); the failover orchestrator moves the old region to the standby minimum and needs it at or below the active minimum; allowed: 1 to 1 (got 2)",
  "16 instances in the writer's cluster":
    "database.instances.active: must be at most 15: an Aurora global database allows the writer's cluster 15 - s readers with s secondary regions (here 1 writer and 14 readers) (got 16)",
  "17 instances in the standby cluster":
    "database.instances.standby: must be at most 16 (Aurora replicas in a secondary cluster) (got 17)",
  "an internationalized domain name":
    "dns.domainName: is an internationalized domain name; Route 53 and ACM take the punycode form \"dr.xn--bcher-kva.example\"; allowed: lowercase letters, digits, '-' and '.' (got \"dr.bücher.example\")",
  "a DNS label over 63 characters":
    "dns.domainName: has the label \"aaaaaaaaaaaaaaaaaaaa...\" of 64 characters; DNS allows at most 63 per label (got \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com\")",
  "a domain name over 253 characters":
    "dns.domainName: is 308 characters long; DNS names have at most 253 (got \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...)",
  "a certificate first name over 64 characters":
    "dns.domainName: makes the certificate's first name \"api.ccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.example\" 69 characters long; ACM allows at most 64: shorten dns.domainName or dns.recordName to at most 60 characters for the domain (got \"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.example\")",
  "a record name that makes the regional label over 63":
    "dns.recordName: makes the regional label \"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr-use1\" 64 characters long; DNS allows at most 63 (got \"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\")",
  "an uppercase domain name":
    "dns.domainName: must be a lowercase DNS domain name such as dr.example.com (labels of letters, digits and '-', not starting or ending with '-') (got \"Dev.Example.com\")",
  "a PostgreSQL reserved word as master user":
    "database.masterUsername: is a reserved word of aurora-postgresql, which RDS refuses as the master user name; choose another, such as dbadmin (got \"user\")",
  "rdsadmin as master user":
    "database.masterUsername: is a name RDS uses itself on aurora-postgresql; choose another, such as dbadmin (got \"rdsadmin\")",
  "a pg_ master user":
    "database.masterUsername: starts with pg_, which PostgreSQL reserves for its own roles; choose another, such as dbadmin (got \"pg_admin\")",
  "a MySQL reserved word as master user":
    "database.masterUsername: is a reserved word of aurora-mysql, which RDS refuses as the master user name; choose another, such as dbadmin (got \"select\")",
  "a PostgreSQL template database name":
    "database.databaseName: is a database aurora-postgresql or RDS already has; choose another, such as transactions (got \"template1\")",
  "a PostgreSQL reserved word as database name":
    "database.databaseName: is a reserved word of aurora-postgresql, which RDS refuses as a database name; choose another, such as transactions (got \"table\")",
  "a MySQL system schema as database name":
    "database.databaseName: is a database aurora-mysql or RDS already has; choose another, such as transactions (got \"mysql\")",
  "a loopback VPC block":
    "network.cidrs.primary: lies in loopback (127.0.0.0/8), which a VPC cannot use; allowed: a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) (got \"127.0.0.0/16\")",
  "a link-local VPC block":
    "network.cidrs.secondary: lies in link-local (169.254.0.0/16, home of the instance metadata service and the Amazon DNS server), which a VPC cannot use; allowed: a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) (got \"169.254.0.0/16\")",
  "a multicast VPC block":
    "network.cidrs.primary: lies in multicast (224.0.0.0/4), which a VPC cannot use; allowed: a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) (got \"224.0.0.0/16\")",
  "a VPC block in 0.0.0.0/8":
    "network.cidrs.primary: lies in 'this network' (0.0.0.0/8), which a VPC cannot use; allowed: a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) (got \"0.0.0.0/16\")",
  "a VPC block in 240.0.0.0/4":
    "network.cidrs.primary: lies in reserved for future use (240.0.0.0/4), which a VPC cannot use; allowed: a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) (got \"240.0.0.0/16\")",
  "a documentation VPC block":
    "network.cidrs.primary: lies in documentation (TEST-NET-1, 192.0.2.0/24), which a VPC cannot use; allowed: a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) (got \"192.0.2.0/24\")",
  "a benchmarking VPC block":
    "network.cidrs.secondary: lies in benchmarking (198.18.0.0/15), which a VPC cannot use; allowed: a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) (got \"198.18.0.0/16\")",
  "more zones than us-east-2 has":
    "network.availabilityZones: is more than us-east-2 has: it offers 3 availability zones to an account; allowed: 2 to 3 for this pair of regions (got 4)",
  "more zones than us-west-1 has":
    "network.availabilityZones: is more than us-west-1 has: it offers 2 availability zones to an account; allowed: 2 to 2 for this pair of regions (got 3)",
  "a health-check region twice":
    "dns.healthCheckRegions: lists us-east-1 more than once; name at least 3 different Route 53 health checker regions (got [\"us-east-1\",\"us-east-1\",\"eu-west-1\"])",
  "a compliance-mode vault lock in a destroyable profile":
    "backup.vaultLock.mode: makes the vault lock compliance-mode (as backup.vaultLock.changeableForDays does), which nobody can remove once its cooling-off ends, but destroyProfile is \"destroyable\"; use mode \"governance\" without changeableForDays, turn backup.vaultLock.enabled off, or use destroyProfile \"protected\" (got \"compliance\")",
  "a cron expression with five fields":
    "backup.restoreTesting.scheduleExpression: has 5 fields; an AWS cron expression has 6 (Minutes Hours Day-of-month Month Day-of-week Year, for example cron(0 6 ? * SAT *)) (got \"cron(0 6 ? * SAT)\")",
  "a cron expression with both day fields":
    "backup.restoreTesting.scheduleExpression: is not a valid AWS cron expression: exactly one of day-of-month and day-of-week must be ? (AWS does not take both), for example cron(0 6 ? * SAT *) (got \"cron(0 6 * * SAT *)\")",
  "a cron minute of 61":
    "backup.restoreTesting.scheduleExpression: is not a valid AWS cron expression: the minutes field has 61; allowed 0-59, and the wildcards , - * / (got \"cron(61 6 ? * SAT *)\")",
  "a cron hour of 24":
    "backup.restoreTesting.scheduleExpression: is not a valid AWS cron expression: the hours field has 24; allowed 0-23, and the wildcards , - * / (got \"cron(0 24 ? * SAT *)\")",
  "a cron month that is not a month":
    "backup.restoreTesting.scheduleExpression: is not a valid AWS cron expression: the month field has FOO; allowed 1-12 or JAN-DEC, and the wildcards , - * / (got \"cron(0 6 ? FOO SAT *)\")",
  "a cron weekday that is not a day":
    "backup.restoreTesting.scheduleExpression: is not a valid AWS cron expression: the day-of-week field has FUNDAY; allowed 1-7 or SUN-SAT, and the wildcards , - * / ? (got \"cron(0 6 ? * FUNDAY *)\")",
  "a cron year before 1970":
    "backup.restoreTesting.scheduleExpression: is not a valid AWS cron expression: the year field has 1960; allowed 1970-2199, and the wildcards , - * / (got \"cron(0 6 ? * SAT 1960)\")",
  "a cron question mark in the minutes":
    "backup.restoreTesting.scheduleExpression: is not a valid AWS cron expression: the minutes field cannot be ? (got \"cron(? 6 ? * SAT *)\")",
  "a cron step of zero":
    "backup.restoreTesting.scheduleExpression: is not a valid AWS cron expression: the minutes field has step 0; a step is a positive whole number (got \"cron(0/0 6 ? * SAT *)\")",
  "a deprecated canary runtime":
    "canaries.runtimeVersion: was deprecated on 2026-01-22; AWS creates no canary with it; allowed: syn-nodejs-puppeteer-8.0, syn-nodejs-puppeteer-9.0, syn-nodejs-puppeteer-9.1, syn-nodejs-puppeteer-10.0, syn-nodejs-puppeteer-11.0, syn-nodejs-puppeteer-12.0, syn-nodejs-puppeteer-13.0, syn-nodejs-puppeteer-13.1, syn-nodejs-puppeteer-14.0, syn-nodejs-puppeteer-15.0 (got \"syn-nodejs-puppeteer-6.2\")",
  "a canary runtime that does not exist":
    "canaries.runtimeVersion: is not a CloudWatch Synthetics runtime; allowed: syn-nodejs-puppeteer-8.0, syn-nodejs-puppeteer-9.0, syn-nodejs-puppeteer-9.1, syn-nodejs-puppeteer-10.0, syn-nodejs-puppeteer-11.0, syn-nodejs-puppeteer-12.0, syn-nodejs-puppeteer-13.0, syn-nodejs-puppeteer-13.1, syn-nodejs-puppeteer-14.0, syn-nodejs-puppeteer-15.0 (got \"syn-nodejs-puppeteer-99.0\")",
  "a GovCloud permissions boundary for commercial regions":
    "iam.permissionsBoundaryArn: is in partition aws-us-gov, but the regions are in aws; IAM cannot attach a policy of another partition; allowed: arn:aws:iam::<account>:policy/<name> (got \"arn:aws-us-gov:iam::123456789012:policy/boundary\")",
  "a China permissions boundary for commercial regions":
    "iam.permissionsBoundaryArn: is in partition aws-cn, but the regions are in aws; IAM cannot attach a policy of another partition; allowed: arn:aws:iam::<account>:policy/<name> (got \"arn:aws-cn:iam::123456789012:policy/boundary\")",
  "a password in the environment":
    "service.environment.DB_PASSWORD: is named like a credential and has a value; service.environment is plain text in the task definition and in cdktf.out. Store the secret in AWS Secrets Manager (or an SSM SecureString) and have the service read it at run time, as it reads the database credentials (README, \"Database credentials\") (got \"(value hidden)\")",
  "a token in the environment":
    "service.environment.API_TOKEN: is named like a credential and has a value; service.environment is plain text in the task definition and in cdktf.out. Store the secret in AWS Secrets Manager (or an SSM SecureString) and have the service read it at run time, as it reads the database credentials (README, \"Database credentials\") (got \"(value hidden)\")",
  "an AWS access key id in the environment":
    "service.environment.UPSTREAM: holds what looks like an AWS access key id; service.environment is plain text in the task definition and in cdktf.out. Store the secret in AWS Secrets Manager (or an SSM SecureString) and have the service read it at run time, as it reads the database credentials (README, \"Database credentials\") (got \"(value hidden)\")",
  "a private key in the environment":
    "service.environment.TLS_MATERIAL: holds what looks like a PEM private key; service.environment is plain text in the task definition and in cdktf.out. Store the secret in AWS Secrets Manager (or an SSM SecureString) and have the service read it at run time, as it reads the database credentials (README, \"Database credentials\") (got \"(value hidden)\")",
  "a URL with a password in the environment":
    "service.environment.DATABASE_URL: holds what looks like a URL with a password in it; service.environment is plain text in the task definition and in cdktf.out. Store the secret in AWS Secrets Manager (or an SSM SecureString) and have the service read it at run time, as it reads the database credentials (README, \"Database credentials\") (got \"(value hidden)\")",
  "a JSON Web Token in the environment":
    "service.environment.UPSTREAM_BEARER: holds what looks like a JSON Web Token; service.environment is plain text in the task definition and in cdktf.out. Store the secret in AWS Secrets Manager (or an SSM SecureString) and have the service read it at run time, as it reads the database credentials (README, \"Database credentials\") (got \"(value hidden)\")",
  "a governance-mode vault lock with a cooling-off period":
    "backup.vaultLock.changeableForDays: is the cooling-off period of a compliance-mode lock, but backup.vaultLock.mode is \"governance\"; remove it, or set mode \"compliance\" (got 3)",
  "a cooling-off period shorter than AWS's 72 hours":
    "backup.vaultLock.changeableForDays: must be a whole number from 3 to 36500 (got 2)",
  "a vault lock maximum beyond AWS's 100 years":
    "backup.vaultLock.maxRetentionDays: must be a whole number from 1 to 36500 (got 36501)",
  "an hourly retention below the vault lock's minimum":
    "backup.hourlyRetentionDays: is outside the vault lock's bounds: recovery points and their copies in the other region's locked vault must be kept 7 to 3650 days (backup.vaultLock.minRetentionDays, maxRetentionDays), or AWS Backup fails the job (got 2)",
  "an air-gapped vault minimum below AWS's 7 days":
    "backup.airGappedVault.minRetentionDays: must be a whole number from 7 to 36500 (got 6)",
  "a monthly retention above the air-gapped vault's maximum":
    "backup.monthlyRetentionDays: is outside the air-gapped vault's bounds (7 to 100 days, backup.airGappedVault.minRetentionDays, maxRetentionDays): the daily and monthly copies are kept there for the same time, and AWS Backup fails a copy outside them (got 365)",
  "an air-gapped vault key of another region":
    "backup.airGappedVault.kmsKeyArns.us-east-2: is a key of aws/us-west-2; a vault takes a key of its own region; allowed: arn:aws:kms:us-east-2:<account>:key/<id> (got \"arn:aws:kms:us-west-2:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab\")",
  "a cross-account copy for one region only":
    "backup.crossAccountCopy.destinationVaultArns: must name one destination vault for each region of the pair (us-east-1, us-east-2), no other: either region may be the active one whose plan copies; us-east-2 is missing (got {\"us-east-1\":\"arn:aws:backup:us-east-1:210987654321:backup-vault:dr-copies\"})",
  "a cross-account copy into the environment's own account":
    "backup.crossAccountCopy.destinationVaultArns.us-east-1: is in this environment's own account (111122223333, iam.deployRoleArns); a copy in the same account does not survive an insider or a compromise of this account; allowed: a vault of another account (got \"arn:aws:backup:us-east-1:111122223333:backup-vault:dr-copies\")",
  "a compliance-mode Object Lock on the trail of a destroyable profile":
    "audit.objectLock.mode: keeps every trail log file undeletable for audit.objectLock.retentionDays, so the trail bucket could not be emptied and destroyed, but destroyProfile is \"destroyable\"; use \"governance\", turn audit.objectLock.enabled off, or use destroyProfile \"protected\" (got \"compliance\")",
  "no deploy role":
    "iam.deployRoleArns: names no deploy role; the Terraform state, its lock table and the KMS keys are restricted to the roles that deploy, and without one they would be open to every principal of the account; allowed: the ARN (or ArnLike pattern) of the role your pipeline and first-deploy use, such as arn:aws:iam::123456789012:role/txdr-deploy (got [])",
  "every role of the account as deploy role":
    "iam.deployRoleArns.0: must name roles, not every role of the account (role/*) (got \"arn:aws:iam::111122223333:role/*\")",
  "a deploy role of another partition":
    "iam.deployRoleArns: is in partition aws-cn, but the regions are in aws; allowed: arn:aws:iam::111122223333:role/<name> (got \"arn:aws-cn:iam::111122223333:role/txdr-deploy-dev\")",
  "a break-glass role in another account":
    "iam.breakGlassRoleArns: is in account 999999999999, but iam.deployRoleArns names account 111122223333; policies of this environment compare principals of its own account only; allowed: arn:aws:iam::111122223333:role/<name> (got \"arn:aws:iam::999999999999:role/break-glass\")",
  "an assumed-role session as failover operator":
    'failover.operatorPrincipals.0: must be IAM role or user ARNs (wildcards allowed) such as arn:aws:iam::123456789012:role/sre-on-call; an sts assumed-role ARN never matches aws:PrincipalArn (got "arn:aws:sts::111122223333:assumed-role/sre/jane")',
  "key administrators without the deploy role":
    "kms.administratorRoleArns: leaves out the deploy role arn:aws:iam::111122223333:role/txdr-deploy-dev; Terraform writes the key policies as a deploy role, and KMS refuses a key policy that would keep its caller from changing it again; allowed: a list that includes every iam.deployRoleArns entry (got [\"arn:aws:iam::111122223333:role/security\"])",
  "a protected configuration without a permissions boundary":
    "iam.permissionsBoundaryArn: is required in the protected profile: every role the project creates carries the organization's permissions boundary, which caps what it can do whatever its own policies say; allowed: the ARN of an existing IAM managed policy, such as arn:aws:iam::123456789012:policy/permissions-boundary (docs/security.md has an example) (got nothing)",
  "a paging URL in a protected configuration":
    "alerts.httpsEndpoints: is refused in the protected profile: a paging service's integration URL carries its integration key, and a URL here is written into cdktf.out, the Terraform state and the SNS subscription; remove it, set alerts.pagingForwarder to true and put the URL into the Secrets Manager secret the forwarder reads (docs/security.md) (got \"(value hidden)\")",
  "a second suffix key":
    "suffix: is written twice in the same object (lines 4 and 5); JSON readers keep only the last one, so remove one of them (got \"prd\")",
  "a nested key written twice":
    "targets.rpoSeconds: is written twice in the same object (lines 19 and 20); JSON readers keep only the last one, so remove one of them (got 30)",
  "a JSON syntax error":
    "(top level): is not valid JSON: at line 5, column 3: Unexpected token String found. (got nothing)",
  "an empty file":
    "(top level): is empty; a configuration is one JSON object such as config/dev.json (got nothing)",
  "a JSON array instead of an object":
    "(top level): must be one JSON object (an array or a single value is not a configuration) (got [])",
  "a directory":
    "(top level): is a directory, not a configuration file; name a .json file such as config/dev.json (got \"TMP/config.json\")",
  "a missing file":
    "(top level): does not exist; set DR_CONFIG to a configuration file or DR_ENV to one of: dev, prod, variant-a, variant-b, variant-c, variant-d, variant-e (got \"TMP/config.json\")",
  "DR_CONFIG set but empty":
    "DR_CONFIG: is set but empty; give it the path of a configuration file, or unset it to use DR_ENV (available: dev, prod, variant-a, variant-b, variant-c, variant-d, variant-e) (got \"\")",
};

/** Hash of every file under a directory, by relative path and content. */
function treeHash(dir: string): string {
  const hash = crypto.createHash("sha256");
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, entry.name);
      hash.update(path.relative(dir, full));
      if (entry.isDirectory()) walk(full);
      else hash.update(fs.readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest("hex");
}

/** An existing output directory, as a previous synthesis would have left it. */
function previousOutput(dir: string): string {
  const outdir = path.join(dir, "cdktf.out");
  fs.mkdirSync(path.join(outdir, "stacks", "bootstrap"), { recursive: true });
  fs.writeFileSync(path.join(outdir, "manifest.json"), '{"version":"previous"}');
  fs.writeFileSync(path.join(outdir, "stacks", "bootstrap", "cdk.tf.json"), '{"resource":{}}');
  return outdir;
}

function run(input: GateInput, dir: string, outdir: string) {
  const file = path.join(dir, "config.json");
  let env: Record<string, string> = { DR_CONFIG: file, CDKTF_OUTDIR: outdir };
  if (input.kind === "json") fs.writeFileSync(file, JSON.stringify(input.raw, null, 2));
  if (input.kind === "text") fs.writeFileSync(file, input.text);
  if (input.kind === "directory") fs.mkdirSync(file);
  if (input.kind === "env") env = { ...input.env, CDKTF_OUTDIR: outdir };
  let stderr = "";
  let synthesized = false;
  const code = runGate({
    env,
    stderr: (text) => (stderr += text),
    synthesize: (config, target) => {
      synthesized = true;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { synthesizeAtomically } = require("../app/synth") as typeof import("../app/synth");
      synthesizeAtomically(config, target);
    },
    today: new Date("2026-11-29T12:00:00Z"),
  });
  return { code, stderr, synthesized };
}

describe("the configuration gate refuses what AWS would refuse at apply", () => {
  test("every refused configuration has its expected message, and the other way round", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(GATE_INPUTS).sort());
    expect(Object.keys(EXPECTED).length).toBeGreaterThanOrEqual(60);
  });

  test.each(Object.keys(GATE_INPUTS))("GIVEN %s WHEN synthesized THEN it prints its one problem, exits 1 and leaves cdktf.out as it was", (name) => {
    const dir = tempDir("gate");
    try {
      const outdir = previousOutput(dir);
      const before = treeHash(outdir);
      const result = run(GATE_INPUTS[name], dir, outdir);
      const problems = result.stderr.split("\n").filter((line) => line.startsWith("  - ")).map((line) => line.slice(4));
      expect(problems).toEqual([EXPECTED[name].split("TMP").join(dir)]);
      expect(result.stderr).toMatch(/Invalid configuration in /);
      expect(result.code).toBe(1);
      expect(result.synthesized).toBe(false);
      expect(treeHash(outdir)).toBe(before);
      expect(fs.readdirSync(dir).filter((f) => f !== "config.json" && f !== "cdktf.out")).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("what the gate prints besides refusals", () => {
  const fakeSynth = () => {
    const calls: string[] = [];
    return { calls, synthesize: (_config: unknown, outdir: string) => void calls.push(outdir) };
  };

  test("GIVEN DR_CONFIG WHEN synthesized THEN the first line names the file and says DR_CONFIG chose it", () => {
    const dir = tempDir("gate-first");
    try {
      const file = path.join(dir, "config.json");
      fs.writeFileSync(file, JSON.stringify(rawVariant("variant-a")));
      let stderr = "";
      const synth = fakeSynth();
      const code = runGate({ env: { DR_CONFIG: file, CDKTF_OUTDIR: path.join(dir, "out") }, stderr: (t) => (stderr += t), synthesize: synth.synthesize });
      expect(code).toBe(0);
      expect(stderr.split("\n")[0]).toBe(`Configuration: ${path.relative(process.cwd(), file)} (DR_CONFIG is set)`);
      expect(synth.calls).toEqual([path.join(dir, "out")]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("GIVEN DR_ENV or nothing WHEN synthesized THEN the first line says so", () => {
    const lines: string[] = [];
    for (const env of [{ DR_ENV: "variant-d" }, {}]) {
      let stderr = "";
      runGate({ env, stderr: (t) => (stderr += t), synthesize: fakeSynth().synthesize });
      lines.push(stderr.split("\n")[0]);
    }
    expect(lines).toEqual([
      "Configuration: config/variant-d.json (DR_ENV=variant-d)",
      "Configuration: config/dev.json (the default: neither DR_CONFIG nor DR_ENV is set)",
    ]);
  });

  test("GIVEN legal but doubtful values WHEN synthesized THEN each warning is printed, and synthesis goes on with exit 0", () => {
    const dir = tempDir("gate-warn");
    try {
      const file = path.join(dir, "config.json");
      const raw = rawVariant("dev", {
        database: { engineVersion: "13.18", instances: { active: 2, standby: 3 } },
        service: { capacity: { active: { min: 1, max: 4 }, standby: { min: 1, max: 8 } } },
      });
      fs.writeFileSync(file, JSON.stringify(raw));
      let stderr = "";
      const synth = fakeSynth();
      const code = runGate({ env: { DR_CONFIG: file }, stderr: (t) => (stderr += t), synthesize: synth.synthesize, today: new Date("2026-11-29T12:00:00Z") });
      expect(code).toBe(0);
      expect(synth.calls).toHaveLength(1);
      expect(stderr).toContain("(synthesis continues):");
      expect(stderr.split("\n").filter((l) => l.startsWith("  - "))).toEqual([
        "  - service.capacity.standby.max: is above service.capacity.active.max (4): the standby region may scale beyond the active one (got 8)",
        "  - database.instances.standby: is above database.instances.active (2): the standby cluster is bigger than the one that serves (got 3)",
        "  - targets.rpoSeconds: is below S3 replication's 15-minute guarantee (Replication Time Control): the RPO covers the Aurora database and the DynamoDB global tables; objects in the application buckets may lag up to 15 minutes (got 300)",
        "  - database.engineVersion: is past the end of Aurora standard support (2026-02-28); with database.engineLifecycleSupport open-source-rds-extended-support-disabled, AWS refuses to create a cluster on it and upgrades existing ones to a newer major version: upgrade first, or choose open-source-rds-extended-support (charged) (got \"13.18\")",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("GIVEN a file that starts with a UTF-8 byte-order mark WHEN synthesized THEN it is accepted", () => {
    const dir = tempDir("gate-bom");
    try {
      const file = path.join(dir, "config.json");
      fs.writeFileSync(file, `\ufeff${JSON.stringify(rawVariant("variant-a"), null, 2)}`);
      const synth = fakeSynth();
      expect(runGate({ env: { DR_CONFIG: file }, stderr: () => undefined, synthesize: synth.synthesize })).toBe(0);
      expect(synth.calls).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("GIVEN a refusal computed during synthesis (the budget seam) THEN it is printed in the gate's format and exits 1", () => {
    const { configProblem, refuseConfiguration } = require("../lib/config/problems");
    let stderr = "";
    const code = runGate({
      env: { DR_ENV: "variant-a" },
      stderr: (t) => (stderr += t),
      synthesize: (config: any) => {
        throw refuseConfiguration("config/variant-a.json", [
          configProblem("targets.rtoSeconds", config.targets.rtoSeconds, "is below what the failover chain can achieve (2400 s)", "at least 2400"),
        ]);
      },
    });
    expect(code).toBe(1);
    expect(stderr.split("\n").slice(1, 3)).toEqual([
      "Invalid configuration in config/variant-a.json:",
      "  - targets.rtoSeconds: is below what the failover chain can achieve (2400 s); allowed: at least 2400 (got 1800)",
    ]);
  });
});

describe("the data behind the rules", () => {
  const { AURORA_POSTGRESQL, AURORA_MYSQL_V3, DEFAULT_ENGINE_VERSIONS, lookUpEngineVersion } = require("../lib/config/data/aurora-engines");

  test("the default engine versions are in the table and support global databases and Serverless v2", () => {
    for (const engine of ["aurora-postgresql", "aurora-mysql"]) {
      const found = lookUpEngineVersion(engine, DEFAULT_ENGINE_VERSIONS[engine]);
      expect(found).toMatchObject({ ok: true, facts: { globalDatabase: true, serverlessV2: true } });
    }
  });

  test("the table holds the current PostgreSQL majors 16 and 17 with global databases, Serverless v2 and rds.global_db_rpo", () => {
    for (const version of ["16.1", "17.4", "17.7"]) {
      expect(lookUpEngineVersion("aurora-postgresql", version)).toMatchObject({ ok: true, facts: { globalDatabase: true, serverlessV2: true, globalDbRpo: true } });
    }
  });

  test("every row names its parameter group family the way the cluster construct derives it", () => {
    const derive = (engine: string, version: string) =>
      engine === "aurora-postgresql" ? `aurora-postgresql${version.split(".")[0]}` : `aurora-mysql${version.split(".").slice(0, 2).join(".")}`;
    for (const row of AURORA_POSTGRESQL) {
      const version = `${row.major}.${row.latestMinor}`;
      expect(lookUpEngineVersion("aurora-postgresql", version).facts.family).toBe(derive("aurora-postgresql", version));
    }
    for (const line of AURORA_MYSQL_V3) {
      const version = `8.0.mysql_aurora.${line.line}.${line.patches[0]}`;
      expect(lookUpEngineVersion("aurora-mysql", version).facts.family).toBe(derive("aurora-mysql", version));
    }
  });

  test("AWS cron expressions that AWS accepts pass", () => {
    const { checkAwsCron } = require("../lib/config/cron");
    for (const ok of ["cron(0 6 ? * SAT *)", "cron(0/15 * * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)", "cron(15 10 L * ? 2027)", "cron(0 12 ? * 2#1 *)", "cron(5,35 14 15W JAN,JUL ? *)"]) {
      expect([ok, checkAwsCron(ok)]).toEqual([ok, undefined]);
    }
  });

  test("environment variables that only name or point at a secret pass", () => {
    const { credentialReason } = require("../lib/config/secrets");
    for (const [name, value] of [["DB_SECRET_NAME", "txdr-db-master-dev"], ["TOKEN_TTL", "3600"], ["SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x"], ["LOG_LEVEL", "info"], ["API_URL", "https://api.example.com/v1"], ["PASSWORD", ""]]) {
      expect([name, credentialReason(name, value)]).toEqual([name, undefined]);
    }
  });

  test("every region the project deploys to has a zone count", () => {
    const { AWS_REGION_NAMES } = require("../lib/aws-regions");
    const { AVAILABILITY_ZONES } = require("../lib/config/data/availability-zones");
    expect(AWS_REGION_NAMES.filter((r: string) => !(AVAILABILITY_ZONES[r] >= 2))).toEqual([]);
  });
});
