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
  if (page.data.length === 0 && !params.get("q") && !params.get("tag") && page.meta.total === 0) {
    // A new blog: say how to write the first post.
    const item = text("li", "No posts yet. Sign in and write the first one, for example:");
    const example = text(
      "pre",
      `TOKEN=$(curl -s ${location.origin}/api/v1/auth/login -H 'content-type: application/json' \\\n` +
        `  -d '{"email":"admin@localhost","password":"…"}' | jq -r .access_token)\n` +
        `curl ${location.origin}/api/v1/posts -H "authorization: Bearer $TOKEN" \\\n` +
        `  -H 'content-type: application/json' -d '{"title":"Hello","markdown":"First post.","status":"published"}'`,
    );
    const docs = text("a", "The API documentation");
    docs.href = "/docs/";
    item.append(example, docs);
    list.append(item);
  } else if (page.data.length === 0) list.append(text("li", "No posts found."));
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
