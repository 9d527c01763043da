// A draft (or scheduled) post through a preview link: the token in the address is the only key.
import { api, showState, unreachable } from "./api.js";
import { renderPost } from "./render.js";
import { loadSite } from "./sidebar.js";

const token = new URLSearchParams(location.search).get("token") || "";
const banner = document.getElementById("preview-banner");
const article = document.getElementById("post");
const site = await loadSite();
try {
  const post = await api(`/preview/${encodeURIComponent(token)}`);
  renderPost(article, post, site);
  document.title = `Preview: ${document.title}`;
  const state = { draft: "a draft", scheduled: "scheduled", published: "published" }[post.status] || post.status;
  banner.textContent = `Preview: this post is ${state}. Only people with this link can see it.`;
} catch (error) {
  document.title = "Preview unavailable";
  banner.textContent = "Preview unavailable.";
  const message = {
    404: "This preview link is not valid: it was revoked, or its post was deleted.",
    410: "This preview link has expired. Ask the author for a new one.",
  }[error.status] || unreachable(error);
  showState(article, message, { retry: !error.status || error.status >= 500 });
}
