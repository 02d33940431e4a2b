// Everything the app asks the API, on Amplify v6. The same module runs in the browser and in Node
// (check/amplify-node.mjs): only the configuration passed to `connect` differs between the
// devserver and a deployed stack.
import { Amplify } from "aws-amplify";
import { CONNECTION_STATE_CHANGE, ConnectionState, generateClient } from "aws-amplify/api";
import { Hub } from "aws-amplify/utils";
import { fetchAuthSession, getCurrentUser, signIn, signOut } from "aws-amplify/auth";

// The Hub event Amplify dispatches on AppSync's start_ack (its CONTROL_MSG, not exported).
const SUBSCRIPTION_ACK = "Subscription ack";

const IMAGE = "key status url thumbnailUrl width height";
const RECIPE_CARD = `id title tags createdAt author { displayName } rating { average count } commentCount photo { ${IMAGE} }`;
// What onRecipeUpdated delivers to the page: updateRecipe and publishRecipePhoto (the thumbnail
// function's, resolvers/thumbnails/publish.py) both select these.
const RECIPE_CHANGE = `id version photo { ${IMAGE} }`;
const COMMENT = "id recipeId body createdAt author { displayName }";
const RATING = "recipeId average count ratedAt";

export const FEED = `query Feed($limit: Int, $nextToken: String) {
  recipes(limit: $limit, nextToken: $nextToken) { items { ${RECIPE_CARD} } nextToken }
}`;
export const RECIPE = `query Recipe($id: ID!) {
  recipe(id: $id) {
    ${RECIPE_CARD} authorId version description servings prepMinutes cookMinutes
    ingredients { name quantity unit } steps
    comments(limit: 100) { items { ${COMMENT} } nextToken }
  }
}`;
// A subscriber receives only what the mutation selected: select everything the page shows.
export const ADD_COMMENT = `mutation AddComment($recipeId: ID!, $body: String!) {
  addComment(recipeId: $recipeId, body: $body) { ${COMMENT} }
}`;
export const RATE = `mutation Rate($recipeId: ID!, $stars: Int!) {
  rateRecipe(recipeId: $recipeId, stars: $stars) { ${RATING} }
}`;
export const CREATE_UPLOAD = `mutation CreateImageUpload($contentType: String!) {
  createImageUpload(purpose: RECIPE_PHOTO, contentType: $contentType) { imageKey uploadUrl fields maxBytes }
}`;
export const SET_PHOTO = `mutation SetPhoto($input: UpdateRecipeInput!) {
  updateRecipe(input: $input) { ${RECIPE_CHANGE} }
}`;
export const ON_RECIPE = `subscription OnRecipe($id: ID) {
  onRecipeUpdated(id: $id) { ${RECIPE_CHANGE} }
}`;
export const ON_COMMENT = `subscription OnComment($recipeId: ID) {
  onCommentAdded(recipeId: $recipeId) { ${COMMENT} }
}`;
export const ON_RATING = `subscription OnRating($recipeId: ID) {
  onRatingChanged(recipeId: $recipeId) { ${RATING} }
}`;

/** Configure Amplify (a `ResourcesConfig`: API.GraphQL and Auth.Cognito) and return the API. */
export function connect(config) {
  Amplify.configure(config);
  return new PotluckApi(generateClient());
}

export class PotluckApi {
  constructor(client) {
    this.client = client;
  }

  // Reads go out with the default mode (the public API key); writes as the signed-in user.
  async feed(limit = 20) {
    return (await this.#run(FEED, { limit })).recipes;
  }

  async recipe(id) {
    return (await this.#run(RECIPE, { id })).recipe;
  }

  async addComment(recipeId, body) {
    return (await this.#run(ADD_COMMENT, { recipeId, body }, "userPool")).addComment;
  }

  async rate(recipeId, stars) {
    return (await this.#run(RATE, { recipeId, stars }, "userPool")).rateRecipe;
  }

  /**
   * The recipe's author attaches a photo: a pre-signed POST straight to S3 (the policy's fields
   * first, the file last), then `photoKey`. Returns the recipe's new `version` and `photo`
   * (PROCESSING until the thumbnail function is done; onRecipeUpdated then delivers READY).
   */
  async uploadPhoto(recipeId, expectedVersion, file) {
    const offer = (await this.#run(CREATE_UPLOAD, { contentType: file.type }, "userPool")).createImageUpload;
    if (file.size > offer.maxBytes) throw new Error(`The photo is too large: at most ${offer.maxBytes / 1e6} MB.`);
    const form = new FormData();
    // AWSJSON: a JSON string on the wire.
    const fields = typeof offer.fields === "string" ? JSON.parse(offer.fields) : offer.fields;
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append("file", file);
    const response = await fetch(offer.uploadUrl, { method: "POST", body: form });
    if (!response.ok) throw new Error(`The upload failed: S3 answered ${response.status}.`);
    const input = { id: recipeId, expectedVersion, photoKey: offer.imageKey };
    return (await this.#run(SET_PHOTO, { input }, "userPool")).updateRecipe;
  }

  /**
   * Live comments and ratings of one recipe; returns a function that stops both.
   * `onLive(true)` once AppSync acknowledged both subscriptions (events from then on arrive),
   * `onLive(false)` when the connection drops (Amplify reconnects by itself).
   */
  watchRecipe(recipeId, { onComment, onRating, onRecipe, onError, onLive = () => {} }) {
    const acknowledged = new Set();
    const expected = onRecipe ? 3 : 2;
    const stopListening = Hub.listen("api", ({ payload }) => {
      const variables = payload.data?.variables;
      if (payload.event === SUBSCRIPTION_ACK && (variables?.recipeId ?? variables?.id) === recipeId) {
        acknowledged.add(payload.data.query);
        if (acknowledged.size === expected) onLive(true);
      } else if (payload.event === CONNECTION_STATE_CHANGE) {
        const state = payload.data.connectionState;
        if (state === ConnectionState.Connected && acknowledged.size === expected) onLive(true);
        else if (state !== ConnectionState.Connected) onLive(false);
      }
    });
    const subscriptions = [
      this.client.graphql({ query: ON_COMMENT, variables: { recipeId } }).subscribe({
        next: ({ data }) => onComment(data.onCommentAdded),
        error: onError,
      }),
      this.client.graphql({ query: ON_RATING, variables: { recipeId } }).subscribe({
        next: ({ data }) => onRating(data.onRatingChanged),
        error: onError,
      }),
    ];
    if (onRecipe) {
      const recipe = this.client.graphql({ query: ON_RECIPE, variables: { id: recipeId } });
      subscriptions.push(recipe.subscribe({ next: ({ data }) => onRecipe(data.onRecipeUpdated), error: onError }));
    }
    return () => {
      stopListening();
      subscriptions.forEach((subscription) => subscription.unsubscribe());
    };
  }

  async #run(query, variables, authMode) {
    const result = await this.client.graphql({ query, variables, ...(authMode && { authMode }) });
    return result.data;
  }
}

/** Cognito's USER_PASSWORD_AUTH flow (the devserver's local pool checks no password). */
export async function signInAs(username, password) {
  const { isSignedIn, nextStep } = await signIn({
    username,
    password,
    options: { authFlowType: "USER_PASSWORD_AUTH" },
  });
  if (!isSignedIn) throw new Error(`sign-in needs another step: ${nextStep.signInStep}`);
  return currentUser();
}

/** The signed-in user's name, or null. */
export async function currentUser() {
  try {
    return (await getCurrentUser()).username;
  } catch {
    return null;
  }
}

/** The signed-in user's id (the Cognito `sub`, a recipe's `authorId`), or null. */
export async function currentUserId() {
  try {
    return (await getCurrentUser()).userId;
  } catch {
    return null;
  }
}

export async function accessToken() {
  return (await fetchAuthSession()).tokens?.accessToken?.toString() ?? null;
}

export { signOut };

/** The message of an Amplify GraphQL failure: GraphQL errors, or the transport error. */
export function errorMessage(error) {
  if (error?.errors?.length) return error.errors.map((e) => e.message).join("; ");
  return error?.message ?? String(error);
}
