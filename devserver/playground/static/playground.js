// The devserver playground: GraphiQL (local UMD builds) plus an auth switcher. No build step.
//
// Credentials come from the server: /playground/identities lists who to call as (API key,
// sample users with freshly minted tokens, IAM), /playground/token mints a token for any user,
// and /playground/sign SigV4-signs a request body with the local IAM credentials. The fetcher
// adds the chosen identity's headers to every request; the Headers tab wins on conflicts.
// Subscriptions use AppSync's real-time protocol (appsync-realtime.js), never graphql-transport-ws.
(() => {
  "use strict";

  const settings = JSON.parse(document.getElementById("playground-settings").textContent);
  const select = document.getElementById("auth-select");
  const status = document.getElementById("auth-status");
  const STORAGE_KEY = "devserver.playground.identity";
  const REFRESH_MARGIN_MS = 5 * 60 * 1000; // re-mint tokens this long before they expire

  let identities = [];
  const extraUsers = []; // "Other user…" choices, re-minted with the list

  const lower = (headers) =>
    Object.fromEntries(Object.entries(headers || {}).map(([k, v]) => [k.toLowerCase(), v]));

  async function postJson(url, payload) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || `${url}: HTTP ${response.status}`);
    return body;
  }

  async function loadIdentities() {
    const response = await fetch(settings.identitiesUrl, { cache: "no-store" });
    if (!response.ok) throw new Error(`identities: HTTP ${response.status}`);
    const body = await response.json();
    const minted = await Promise.all(
      extraUsers.map((user) => postJson(settings.tokenUrl, user).catch(() => null)),
    );
    identities = [...body.identities, ...minted.filter(Boolean)];
    return body.default;
  }

  function current() {
    return identities.find((identity) => identity.id === select.value) || null;
  }

  function describe(identity) {
    if (!identity) return "";
    if (identity.sign) return `${identity.mode} · SigV4-signed by the server for each request`;
    if (!identity.mode) return "sends only what the Headers tab holds";
    const sent = `${identity.mode} · sends ${Object.keys(identity.headers || {}).join(", ")}`;
    if (!identity.expiresAt) return sent;
    const until = new Date(identity.expiresAt * 1000).toLocaleTimeString();
    return `${sent} · token valid until ${until}`;
  }

  function showStatus(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("error", isError);
  }

  function renderOptions(selected) {
    select.replaceChildren(
      ...identities.map((identity) => new Option(identity.label, identity.id)),
      new Option("Other user…", "__other__"),
    );
    const wanted = identities.some((i) => i.id === selected) ? selected : identities[0]?.id;
    select.value = wanted || "";
    select.disabled = false;
    showStatus(describe(current()));
  }

  async function refreshIfExpiring() {
    const identity = current();
    if (identity && identity.expiresAt && identity.expiresAt * 1000 - Date.now() < REFRESH_MARGIN_MS) {
      await loadIdentities();
      renderOptions(identity.id);
    }
  }

  async function authHeaders(path, body) {
    await refreshIfExpiring();
    const identity = current();
    if (!identity) return {};
    if (identity.sign) return lower((await postJson(identity.sign, { path, body })).headers);
    return lower(identity.headers);
  }

  async function askForUser() {
    const answer = window.prompt("User name, then any groups (e.g. \"zoe admins,editors\"):");
    const [username, groups] = (answer || "").trim().split(/\s+/, 2);
    if (!username) return null;
    const user = { username, groups: groups ? groups.split(",").filter(Boolean) : [] };
    const identity = await postJson(settings.tokenUrl, user);
    extraUsers.push(user);
    identities.push(identity);
    return identity.id;
  }

  let previous = null;
  select.addEventListener("change", async () => {
    if (select.value === "__other__") {
      const id = await askForUser().catch((error) => {
        showStatus(String(error), true);
        return null;
      });
      renderOptions(id || previous);
    } else {
      showStatus(describe(current()));
    }
    previous = select.value;
    localStorage.setItem(STORAGE_KEY, select.value);
    resetSubscriptions();
  });

  // GraphiQL calls this for queries and mutations; `init.headers` holds the Headers tab.
  async function httpFetch(url, init) {
    const body = typeof init.body === "string" ? init.body : "";
    const { host, ...auth } = await authHeaders(settings.graphqlPath, body); // host: the browser's
    return fetch(url, { ...init, headers: { ...auth, ...lower(init.headers) } });
  }

  // Subscriptions go over AppSync's real-time protocol, as production clients subscribe: the
  // identity's headers (and the Headers tab's) in the handshake and in each start. The client
  // is rebuilt when the identity changes.
  let tabHeaders = {};
  let realtime = null;
  function resetSubscriptions() {
    if (realtime) realtime.dispose();
    realtime = null;
  }
  const subscriptions = {
    subscribe(payload, sink) {
      if (!realtime) {
        realtime = window.AppSyncRealtime.createClient({
          url: settings.websocketUrl,
          authorize: async (path, body) => ({ ...(await authHeaders(path, body)), ...tabHeaders }),
        });
      }
      return realtime.subscribe(payload, sink);
    },
  };

  async function start() {
    let chosen = null;
    let problem = null;
    try {
      const fallback = await loadIdentities();
      const stored = localStorage.getItem(STORAGE_KEY);
      chosen = identities.some((i) => i.id === stored) ? stored : fallback;
    } catch (error) {
      identities = [{ id: "none", label: "None (Headers tab only)", mode: null, headers: {} }];
      problem = `Identities unavailable (${error.message}); use the Headers tab.`;
    }
    renderOptions(chosen);
    if (problem) showStatus(problem, true);
    previous = select.value;

    const graphiqlFetcher = GraphiQL.createFetcher({
      url: settings.graphqlPath,
      fetch: httpFetch,
      wsClient: subscriptions,
    });
    // GraphiQL hands subscriptions to `wsClient` without the Headers tab; keep it for them.
    const fetcher = (params, options) => {
      tabHeaders = lower(options && options.headers);
      return graphiqlFetcher(params, options);
    };
    const root = ReactDOM.createRoot(document.getElementById("graphiql"));
    root.render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery: settings.exampleQuery || undefined,
        defaultEditorToolsVisibility: true,
      }),
    );
  }

  start();
})();
