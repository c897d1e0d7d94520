/**
 * CloudWatch Synthetics Node.js/Puppeteer runtimes: which exist and which are deprecated (a
 * deprecated runtime cannot create canaries).
 *
 * Sources, checked 2026-11-29:
 * - Runtime versions using Node.js and Puppeteer (syn-nodejs-puppeteer-15.0 is the most recent):
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Synthetics_Library_nodejs_puppeteer.html
 * - Runtime versions support policy, deprecation dates:
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Synthetics_Runtime_Support_Policy.html
 */

export const SYNTHETICS_DATA_CHECKED = "2026-11-29";

export const SUPPORTED_PUPPETEER_RUNTIMES = [
  "syn-nodejs-puppeteer-8.0",
  "syn-nodejs-puppeteer-9.0",
  "syn-nodejs-puppeteer-9.1",
  "syn-nodejs-puppeteer-10.0",
  "syn-nodejs-puppeteer-11.0",
  "syn-nodejs-puppeteer-12.0",
  "syn-nodejs-puppeteer-13.0",
  "syn-nodejs-puppeteer-13.1",
  "syn-nodejs-puppeteer-14.0",
  "syn-nodejs-puppeteer-15.0",
] as const;

/** Deprecated runtimes and the day they were deprecated. */
export const DEPRECATED_PUPPETEER_RUNTIMES: Readonly<Record<string, string>> = {
  "syn-nodejs-puppeteer-7.0": "2026-01-22",
  "syn-nodejs-puppeteer-6.2": "2026-01-22",
  "syn-nodejs-puppeteer-5.2": "2026-01-22",
  "syn-nodejs-puppeteer-6.1": "2024-03-08",
  "syn-nodejs-puppeteer-6.0": "2024-03-08",
  "syn-nodejs-puppeteer-5.1": "2024-03-08",
  "syn-nodejs-puppeteer-5.0": "2024-03-08",
  "syn-nodejs-puppeteer-4.0": "2024-03-08",
  "syn-nodejs-puppeteer-3.9": "2024-01-08",
  "syn-nodejs-puppeteer-3.8": "2024-01-08",
};
