// Posts a message to a Slack incoming webhook URL with the npm
// @slack/webhook client, as tools built on it do, and prints what the
// client returned as one JSON line: {"text": body} on success, or
// {"error": code, "status": HTTP status, "body": body} on failure.
//
// Usage: node slackpost.cjs URL PAYLOAD_JSON
// (NODE_PATH must include web/node_modules.)
'use strict';
const { IncomingWebhook } = require('@slack/webhook');

async function main() {
  const [url, payload] = process.argv.slice(2);
  const hook = new IncomingWebhook(url, { timeout: 10000 });
  try {
    const res = await hook.send(JSON.parse(payload));
    process.stdout.write(JSON.stringify({ text: res.text }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: e.code, status: e.statusCode || 0, body: e.body || String(e.message) }) + '\n');
  }
}

main();
