import { api, text } from "./api.js";
import { contactForm, giftForm, loadSite } from "./sidebar.js";

const params = new URLSearchParams(location.search);

async function listPosts() {
  const query = new URLSearchParams({ per_page: "10", page: params.get("page") || "1" });
  if (params.get("q")) query.set("q", params.get("q"));
  if (params.get("tag")) query.set("tag", params.get("tag"));
  const list = document.getElementById("posts");
  const page = await api(`/posts?${query}`);
  list.replaceChildren();
  if (page.data.length === 0) list.append(text("li", "No posts found."));
  for (const post of page.data) {
    const item = document.createElement("li");
    const link = text("a", post.title);
    link.href = `post.html?slug=${encodeURIComponent(post.slug)}`;
    const meta = text("p", `${new Date(post.published_at).toLocaleDateString()} · ${post.reading_time} min read · ${post.comment_count} comment${post.comment_count === 1 ? "" : "s"}`, "meta");
    item.append(text("h3", ""), meta, text("p", post.excerpt));
    item.firstChild.append(link);
    list.append(item);
  }
  const pager = document.getElementById("pager");
  pager.replaceChildren();
  for (let n = 1; n <= page.meta.total_pages; n++) {
    const a = text("a", String(n));
    const q = new URLSearchParams(params);
    q.set("page", String(n));
    a.href = `?${q}`;
    if (n === page.meta.page) a.setAttribute("aria-current", "page");
    pager.append(a);
  }
}

async function tagFilter() {
  const select = document.getElementById("tag");
  const tags = await api("/tags?per_page=100");
  for (const tag of tags.data.filter((t) => t.post_count > 0)) {
    const option = text("option", `${tag.name} (${tag.post_count})`);
    option.value = tag.slug;
    select.append(option);
  }
  select.value = params.get("tag") || "";
  document.getElementById("q").value = params.get("q") || "";
}

const site = await loadSite();
giftForm(site);
contactForm();
await Promise.all([listPosts(), tagFilter()]);
