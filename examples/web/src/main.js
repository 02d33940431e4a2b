// The Potluck web example: home feed, live recipe pages, sign-in, comments, ratings and photos.
// Its only configuration is ./amplify-config.json (Amplify's ResourcesConfig): the devserver
// serves one for its HTTPS listener; for a deployed stack, scripts/deploy writes one.
import { connect, currentUser, currentUserId, errorMessage, signInAs, signOut } from "./api.js";

const $ = (id) => document.getElementById(id);
let api;
let stopWatching = () => {};
// Each route() draws one view. Signing in while the first view still loads starts a second;
// whichever finishes last must not overwrite the newer one (a form typed into, then replaced).
let routeCount = 0;

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null) element.setAttribute(name, value);
  }
  // Text goes in as text nodes: nothing a user typed is ever parsed as HTML.
  element.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return element;
}

const ratingText = (rating) =>
  rating?.count ? `★ ${rating.average.toFixed(1)} (${rating.count})` : "★ not rated yet";
const commentText = (count) => `${count ?? 0} comment${count === 1 ? "" : "s"}`;
const when = (iso) => new Date(iso).toLocaleString();

const isReady = (photo) => photo?.status === "READY" && photo.thumbnailUrl;

function showError(error) {
  $("error").textContent = error ? errorMessage(error) : "";
  $("error").hidden = !error;
}

async function renderSession() {
  const user = await currentUser();
  $("sign-in").hidden = Boolean(user);
  $("signed-in").hidden = !user;
  $("who").textContent = user ?? "";
  document.body.dataset.user = user ?? "";
  return user;
}

async function renderFeed(isCurrent) {
  const view = $("view");
  const feed = await api.feed(20);
  if (!isCurrent()) return;
  view.replaceChildren(
    h("h1", {}, "Latest recipes"),
    h(
      "ul",
      { class: "feed", id: "feed" },
      feed.items.map((recipe) =>
        h(
          "li",
          { class: "card", "data-recipe-id": recipe.id },
          h(
            "a",
            { href: `#/recipe/${recipe.id}` },
            isReady(recipe.photo) ? h("img", { class: "thumb", src: recipe.photo.thumbnailUrl, alt: "", loading: "lazy" }) : null,
            h("h2", {}, recipe.title),
          ),
          h("div", { class: "meta" }, h("span", { class: "author" }, `by ${recipe.author?.displayName ?? "someone"}`)),
          h(
            "div",
            { class: "meta" },
            h("span", { class: "rating" }, ratingText(recipe.rating)),
            h("span", { class: "comment-count" }, commentText(recipe.commentCount)),
          ),
          h("div", { class: "tags" }, recipe.tags.map((tag) => h("span", { class: "tag" }, tag))),
        ),
      ),
    ),
  );
}

function commentItem(comment, fresh = false) {
  return h(
    "li",
    { "data-comment-id": comment.id, class: fresh ? "fresh" : null },
    h("span", { class: "who" }, comment.author?.displayName ?? "someone"),
    h("span", { class: "when" }, when(comment.createdAt)),
    h("p", {}, comment.body),
  );
}

async function renderRecipe(id, isCurrent) {
  const view = $("view");
  const recipe = await api.recipe(id);
  if (!isCurrent()) return;
  if (!recipe) {
    view.replaceChildren(h("p", {}, "This recipe does not exist (any more). "), h("a", { href: "#/" }, "Back"));
    return;
  }
  const comments = h("ul", { class: "comments", id: "comments" }, recipe.comments.items.map((c) => commentItem(c)));
  const count = h("span", { id: "comment-count" }, commentText(recipe.commentCount));
  const rating = h("span", { id: "rating" });
  const showRating = (summary) => {
    rating.textContent = ratingText(summary);
    rating.dataset.count = summary?.count ?? 0;
    rating.dataset.average = summary?.average ?? "";
  };
  showRating(recipe.rating);
  const live = h("span", { id: "live", class: "live" }, "connecting…");
  let commentTotal = recipe.commentCount ?? 0;
  const addComment = (comment, fresh) => {
    if (comments.querySelector(`[data-comment-id="${CSS.escape(comment.id)}"]`)) return;
    comments.append(commentItem(comment, fresh));
    commentTotal += 1;
    count.textContent = commentText(commentTotal);
  };
  const signedIn = Boolean(await currentUser());
  // The photo: READY shows the thumbnail (a link to the display size); PROCESSING a placeholder
  // until onRecipeUpdated delivers READY.
  let version = recipe.version;
  let shown = null;
  const uploadLabel = h("span", {}, "Add a photo");
  const photo = h("figure", { id: "photo", class: "photo", hidden: "" });
  const showPhoto = (image) => {
    // A late PROCESSING (the attaching mutation's answer) never hides the same image's READY.
    if (image && shown?.key === image.key && shown.status === "READY" && image.status !== "READY") return;
    shown = image;
    uploadLabel.textContent = image ? "Replace the photo" : "Add a photo";
    photo.hidden = !image;
    photo.dataset.status = image?.status ?? "";
    if (!image) photo.replaceChildren();
    else if (isReady(image))
      photo.replaceChildren(
        h(
          "a",
          { href: image.url, target: "_blank", rel: "noopener" },
          h("img", { id: "photo-img", src: image.thumbnailUrl, alt: recipe.title, "data-width": image.width, "data-height": image.height }),
        ),
      );
    else if (image.status === "FAILED") photo.replaceChildren(h("div", { class: "placeholder" }, "This photo could not be used."));
    else photo.replaceChildren(h("div", { class: "placeholder processing" }, "Processing photo…"));
  };
  showPhoto(recipe.photo);
  const isAuthor = signedIn && (await currentUserId()) === recipe.authorId;
  if (!isCurrent()) return;
  const uploadStatus = h("span", { id: "photo-status", class: "muted" });
  const fileInput = h("input", { id: "photo-file", type: "file", accept: "image/jpeg,image/png,image/webp" });
  fileInput.addEventListener("change", async () => {
    const [file] = fileInput.files;
    if (!file) return;
    fileInput.disabled = true;
    uploadStatus.textContent = "Uploading…";
    try {
      const changed = await api.uploadPhoto(id, version, file);
      version = changed.version;
      showPhoto(changed.photo);
      uploadStatus.textContent = "";
      showError(null);
    } catch (error) {
      uploadStatus.textContent = "";
      showError(error);
    } finally {
      fileInput.disabled = false;
      fileInput.value = "";
    }
  });
  const uploader = isAuthor
    ? h("p", { class: "upload" }, h("label", { class: "button" }, uploadLabel, fileInput), uploadStatus)
    : null;
  const form = h(
    "form",
    { id: "comment-form", hidden: signedIn ? null : "" },
    h("textarea", { name: "body", placeholder: "Say something nice…", maxlength: "2000", required: "" }),
    h("button", { type: "submit" }, "Comment"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      addComment(await api.addComment(id, form.elements.body.value), false);
      form.reset();
      showError(null);
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
  const stars = h(
    "span",
    { class: "stars" },
    [1, 2, 3, 4, 5].map((n) =>
      h("button", { type: "button", title: `Rate ${n}`, "data-stars": n, onclick: () => api.rate(id, n).catch(showError) }, "★"),
    ),
  );
  view.replaceChildren(
    h(
      "article",
      { class: "recipe", "data-recipe-id": recipe.id },
      h("a", { href: "#/" }, "← All recipes"),
      h("h1", {}, recipe.title),
      photo,
      uploader,
      h("div", { class: "meta" }, h("span", { class: "author" }, `by ${recipe.author?.displayName ?? "someone"}`), rating, count, live),
      h("div", { class: "tags" }, recipe.tags.map((tag) => h("span", { class: "tag" }, tag))),
      recipe.description ? h("p", {}, recipe.description) : null,
      h("p", { class: "muted" }, `Serves ${recipe.servings} · prep ${recipe.prepMinutes} min · cook ${recipe.cookMinutes} min`),
      h(
        "div",
        { class: "columns" },
        h(
          "section",
          {},
          h("h2", {}, "Ingredients"),
          h("ul", {}, recipe.ingredients.map((i) => h("li", {}, [i.quantity, i.unit, i.name].filter((x) => x != null).join(" ")))),
        ),
        h("section", {}, h("h2", {}, "Steps"), h("ol", {}, recipe.steps.map((step) => h("li", {}, step)))),
      ),
      h(
        "section",
        {},
        h("h2", {}, "Comments"),
        comments,
        signedIn ? h("p", { class: "rate" }, "Your rating: ", stars) : h("p", { class: "muted" }, "Sign in to comment and rate."),
        form,
      ),
    ),
  );
  stopWatching = api.watchRecipe(id, {
    onComment: (comment) => addComment(comment, true),
    onRating: showRating,
    onRecipe: (change) => {
      if (change.version >= version) version = change.version;
      showPhoto(change.photo);
    },
    onError: showError,
    onLive: (isLive) => {
      live.textContent = isLive ? "● live" : "reconnecting…";
      live.classList.toggle("on", isLive);
      document.body.dataset.live = isLive ? "yes" : "no";
    },
  });
}

async function route() {
  stopWatching();
  stopWatching = () => {};
  delete document.body.dataset.live;
  showError(null);
  const mine = ++routeCount;
  const isCurrent = () => mine === routeCount;
  const match = location.hash.match(/^#\/recipe\/(.+)$/);
  try {
    if (match) await renderRecipe(decodeURIComponent(match[1]), isCurrent);
    else await renderFeed(isCurrent);
    if (isCurrent()) document.body.dataset.ready = location.hash || "#/";
  } catch (error) {
    if (isCurrent()) showError(error);
  }
}

async function main() {
  const config = await (await fetch("amplify-config.json", { cache: "no-store" })).json();
  api = connect(config);
  if (config.Auth?.Cognito?.userPoolEndpoint) {
    $("hint").textContent = "Local user pool: any password works. Try ana, ben, chloe, dev or yuki.";
    $("hint").hidden = false;
  }
  $("sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await signInAs($("username").value.trim(), $("password").value);
      await renderSession();
      await route();
    } catch (error) {
      showError(error);
    }
  });
  $("sign-out").addEventListener("click", async () => {
    await signOut();
    await renderSession();
    await route();
  });
  window.addEventListener("hashchange", route);
  await renderSession();
  await route();
}

main().catch(showError);
