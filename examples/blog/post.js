import { api, handleForm, text } from "./api.js";
import { contactForm, giftForm, loadSite } from "./sidebar.js";

const slug = new URLSearchParams(location.search).get("slug");
const form = document.getElementById("comment-form");

async function showPost() {
  const article = document.getElementById("post");
  try {
    const post = await api(`/posts/${encodeURIComponent(slug)}`);
    document.title = post.meta_title || post.title;
    const tags = text("p", post.tags.map((t) => t.name).join(", "), "tags");
    const meta = text("p", `${post.author.name} · ${new Date(post.published_at).toLocaleDateString()} · ${post.reading_time} min read`, "meta");
    const body = document.createElement("div");
    body.className = "body";
    // The API's html is sanitized on the server (no scripts, handlers or javascript: links).
    body.innerHTML = post.html;
    article.replaceChildren(text("h2", post.title), meta, tags, body);
    form.hidden = !post.comments_enabled;
  } catch (error) {
    article.replaceChildren(text("h2", error.status === 404 ? "This post does not exist." : error.message));
    form.hidden = true;
  }
}

function replyTo(comment) {
  form.parent_id.value = comment.id;
  document.getElementById("replying-to").textContent = comment.author_name;
  document.getElementById("replying").hidden = false;
  form.author_name.focus();
}

document.getElementById("cancel-reply").addEventListener("click", () => {
  form.parent_id.value = "";
  document.getElementById("replying").hidden = true;
});

async function showComments() {
  const list = document.getElementById("comments");
  const thread = await api(`/posts/${encodeURIComponent(slug)}/comments?per_page=100`);
  list.replaceChildren();
  for (const comment of thread.data) {
    const item = document.createElement("li");
    item.className = "comment";
    item.style.marginLeft = `${comment.depth * 1.5}rem`;
    item.dataset.id = comment.id;
    const body = document.createElement("div");
    // Comment html is the author's text, escaped by the server; links are nofollow ugc.
    body.innerHTML = comment.html;
    const reply = text("button", "Reply", "reply");
    reply.type = "button";
    reply.addEventListener("click", () => replyTo(comment));
    item.append(text("p", comment.author_name, "author"), body, reply);
    list.append(item);
  }
  if (thread.data.length === 0) list.append(text("li", "No comments yet."));
}

handleForm(form, document.getElementById("comment-status"), (values) => {
  const body = { ...values };
  if (!body.parent_id) delete body.parent_id;
  if (!body.author_email) delete body.author_email;
  return api(`/posts/${encodeURIComponent(slug)}/comments`, { method: "POST", body });
}, (comment) => {
  document.getElementById("replying").hidden = true;
  if (comment.status === "approved") {
    showComments();
    return "Thank you! Your comment is published.";
  }
  return "Thank you! Your comment is awaiting moderation.";
});

const site = await loadSite();
giftForm(site);
contactForm();
await showPost();
await showComments();
