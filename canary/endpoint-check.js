/**
 * Synthetics canary: one HTTPS GET of TARGET_URL; the run fails (and the
 * canary's SuccessPercent drops) on a non-2xx answer, a TLS error or a timeout.
 * Plain Node.js https, no Synthetics library, so it runs unchanged on any
 * Node.js Synthetics runtime.
 */
const https = require("https");

const TIMEOUT_MS = Number(process.env.TIMEOUT_MS || "10000");

function get(url) {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { timeout: TIMEOUT_MS, headers: { "user-agent": "dr-canary" } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode));
    });
    request.on("timeout", () => request.destroy(new Error(`timed out after ${TIMEOUT_MS} ms`)));
    request.on("error", reject);
  });
}

exports.handler = async () => {
  const url = process.env.TARGET_URL;
  if (!url) throw new Error("TARGET_URL is not set");
  const status = await get(url);
  if (status < 200 || status > 299) throw new Error(`${url} answered ${status}`);
  return `${url} answered ${status}`;
};
