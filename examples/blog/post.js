import { api, handleForm, showState, text, unreachable } from "./api.js";
import { dateOf, plural, renderPost } from "./render.js";
import { contactForm, giftForm, loadSite } from "./sidebar.js";

const slug = new URLSearchParams(location.search).get("slug") || "";
const form = document.getElementById("comment-form");
const article = document.getElementById("post");
const comments = document.getElementById("comments-section");
const replying = document.getElementById("replying");

async function showPost(site) {
  try {
    const post = await api(`/posts/${encodeURIComponent(slug)}`);
    renderPost(article, post, site);
    form.hidden = !post.comments_enabled;
    comments.hidden = false;
    return post;
  } catch (error) {
    document.title = error.status === 404 ? "Post not found" : "Blog unavailable";
    showState(article, error.status === 404 ? "This post does not exist, or is no longer published." : unreachable(error), { retry: error.status !== 404 });
    return null;
  }
}

function replyTo(comment) {
  form.parent_id.value = comment.id;
  document.getElementById("replying-to").textContent = comment.author_name;
  replying.hidden = false;
  form.author_name.focus();
}

function stopReplying() {
  // A hidden input keeps a value set from script through form.reset(): clear it by hand.
  form.parent_id.value = "";
  replying.hidden = true;
}

document.getElementById("cancel-reply").addEventListener("click", () => {
  stopReplying();
  form.body.focus();
});

async function showComments(post) {
  const list = document.getElementById("comments");
  const thread = await api(`/posts/${encodeURIComponent(slug)}/comments?per_page=100`).catch(() => null);
  const heading = document.getElementById("comments-heading");
  list.replaceChildren();
  if (!thread) {
    list.append(text("li", "The comments could not be loaded.", "comment"));
    return;
  }
  heading.textContent = `Comments (${thread.meta.total ?? post.comment_count})`;
  for (const comment of thread.data) {
    const item = document.createElement("li");
    item.className = "comment";
    item.style.marginLeft = `${Math.min(comment.depth, 4) * 1.25}rem`;
    item.dataset.id = comment.id;
    const who = text("p", "", "author");
    who.append(text("strong", comment.author_name), " · ", dateOf(comment.created_at));
    const body = document.createElement("div");
    body.className = "comment-body";
    // Comment html is the author's text, escaped by the server; links are nofollow ugc.
    body.innerHTML = comment.html;
    const reply = text("button", "Reply", "link reply");
    reply.type = "button";
    reply.setAttribute("aria-label", `Reply to ${comment.author_name}`);
    reply.addEventListener("click", () => replyTo(comment));
    item.append(who, body, reply);
    list.append(item);
  }
  document.getElementById("no-comments").hidden = thread.data.length > 0;
}

handleForm(form, document.getElementById("comment-status"), (values) => {
  const body = { ...values };
  if (!body.parent_id) delete body.parent_id;
  if (!body.author_email) delete body.author_email;
  return api(`/posts/${encodeURIComponent(slug)}/comments`, { method: "POST", body });
}, (comment) => {
  stopReplying();
  if (comment.status === "approved") {
    showComments({ comment_count: 0 });
    return "Thank you! Your comment is published.";
  }
  return `Thank you! Your comment is awaiting moderation${comment.parent_id ? " (a reply)" : ""}.`;
});

const site = await loadSite();
giftForm(site);
contactForm(site);
const post = await showPost(site);
if (post) await showComments(post);
