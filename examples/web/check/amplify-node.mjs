// Amplify v6 in Node against a running server, driven by tests/e2e/test_amplify_node.py.
//   NODE_EXTRA_CA_CERTS=<ca.pem> node check/amplify-node.mjs <amplify-config.json> <username> <recipe id>
// Prints one JSON object with what each step saw; the Python test asserts on it.
import { readFileSync } from "node:fs";
import WebSocket from "ws";
import { connect, signInAs, accessToken, errorMessage } from "../src/api.js";

// Node 20 has no global WebSocket; Amplify's real-time client needs one.
globalThis.WebSocket ??= WebSocket;

const [configPath, username, recipeId] = process.argv.slice(2);
const api = connect(JSON.parse(readFileSync(configPath, "utf8")));
const report = {};
const timeout = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms));

// A query with the API key (the configured default mode).
const feed = await api.feed(5);
report.feedTitles = feed.items.map((recipe) => recipe.title);

// A subscription over wss://<host>/graphql/realtime, as Amplify opens it for a custom domain.
let live;
const acknowledged = new Promise((resolve) => (live = resolve));
const gotEvent = new Promise((resolve, reject) => {
  report.stop = api.watchRecipe(recipeId, {
    onComment: resolve,
    onRating: () => {},
    onError: (error) => reject(new Error(errorMessage(error))),
    onLive: (isLive) => isLive && live(),
  });
});
await Promise.race([acknowledged, timeout(30_000, "start_ack for both subscriptions")]);

// Sign in through the local user pool, then a mutation as that user.
report.signedInAs = await signInAs(username, "any-password-works-locally");
const body = `Made it with Amplify at ${new Date().toISOString()}`;
const added = await api.addComment(recipeId, body);
report.added = added;
report.event = await Promise.race([gotEvent, timeout(30_000, "the onCommentAdded event")]);

// Both credentials on one request: which auth mode wins? (`me` is for user-pool callers only.)
const token = await accessToken();
try {
  await api.client.graphql({
    query: "query Me { me { id } }",
    authMode: "apiKey",
    headers: { Authorization: token },
  });
  report.bothHeaders = { error: null };
} catch (error) {
  report.bothHeaders = { error: errorMessage(error), errorType: error?.errors?.[0]?.errorType };
}
// A key AppSync does not know: Amplify names the 401 from the x-amzn-ErrorType header.
try {
  await api.client.graphql({ query: "{ recipes(limit: 1) { items { id } } }", apiKey: "da2-notakey0000000000000000" });
  report.wrongKey = { error: null };
} catch (error) {
  report.wrongKey = { error: errorMessage(error), name: error?.errors?.[0]?.originalError?.name };
}
report.withTokenOnly = (
  await api.client.graphql({ query: "query Me { me { id } }", authMode: "userPool" })
).data.me.id;

report.stop();
delete report.stop;
console.log(JSON.stringify(report));
process.exit(0);
