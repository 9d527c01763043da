import { api, describePage, link, showState, text, unreachable } from "./api.js";
import { dateOf, plural } from "./render.js";
import { contactForm, giftForm, loadSite } from "./sidebar.js";

const params = new URLSearchParams(location.search);
const requested = Number.parseInt(params.get("page") || "1", 10);
const pageNumber = Number.isFinite(requested) && requested >= 1 ? requested : 1;
const status = document.getElementById("posts-status");
const list = document.getElementById("posts");

function firstPostHelp() {
  // A new blog: say how to write the first post.
  const item = text("li", "No posts yet. Sign in and write the first one, for example:");
  item.append(
    text(
      "pre",
      `TOKEN=$(curl -s ${location.origin}/api/v1/auth/login -H 'content-type: application/json' \\\n` +
        `  -d '{"email":"admin@localhost","password":"…"}' | jq -r .access_token)\n` +
        `curl ${location.origin}/api/v1/posts -H "authorization: Bearer $TOKEN" \\\n` +
        `  -H 'content-type: application/json' -d '{"title":"Hello","markdown":"First post.","status":"published"}'`,
    ),
    link("The API documentation", "/docs/"),
  );
  return item;
}

/** A post's feature image in the list: the browser picks the smallest copy that fills it. */
function cover(post) {
  const image = document.createElement("img");
  image.src = post.feature_image;
  image.alt = "";
  image.className = "cover";
  image.loading = "lazy";
  if (post.feature_image_variants?.length) {
    image.srcset = post.feature_image_variants.map((v) => `${v.url} ${v.width}w`).join(", ");
    image.sizes = "(max-width: 50em) 100vw, 44em";
  }
  return image;
}

function pageLink(label, n, rel) {
  const q = new URLSearchParams(params);
  q.set("page", String(n));
  const a = link(label, `?${q}`);
  a.rel = rel;
  return a;
}

async function listPosts() {
  const query = new URLSearchParams({ per_page: "10", page: String(pageNumber) });
  if (params.get("q")) query.set("q", params.get("q"));
  if (params.get("tag")) query.set("tag", params.get("tag"));
  let page;
  try {
    page = await api(`/posts?${query}`);
  } catch (error) {
    status.textContent = "";
    const gone = error.status === 400 || error.status === 404;
    showState(list, gone ? "There is no such page of posts." : unreachable(error), { retry: !gone });
    return;
  }
  const filtered = params.get("q") || params.get("tag");
  list.replaceChildren();
  if (page.data.length === 0 && !filtered && page.meta.total === 0) list.append(firstPostHelp());
  for (const post of page.data) {
    const item = document.createElement("li");
    const heading = document.createElement("h3");
    // A relative link to this blog's own post page (the page `post.url` names too, for feeds
    // and e-mails), so the blog works under whatever host name a reader reaches it by.
    heading.append(link(post.title, `post.html?slug=${encodeURIComponent(post.slug)}`));
    const meta = text("p", "", "meta");
    meta.append(dateOf(post.published_at), ` · ${post.reading_time} min read · ${plural(post.comment_count, "comment")}`);
    if (post.feature_image) item.append(cover(post));
    item.append(heading, meta, text("p", post.excerpt));
    list.append(item);
  }
  const total = page.meta.total_pages || 1;
  status.textContent = page.data.length === 0
    ? (filtered ? "No posts found." : "")
    : `${plural(page.meta.total, "post")}${page.meta.total_is_lower_bound ? " or more" : ""}${filtered ? " found" : ""}; page ${page.meta.page} of ${total}.`;
  // Newer and older only: the pager stays short however many pages there are.
  const pager = document.getElementById("pager");
  pager.replaceChildren();
  if (page.meta.page > 1) pager.append(pageLink("← Newer posts", page.meta.page - 1, "prev"));
  if (page.meta.page < total) pager.append(pageLink("Older posts →", page.meta.page + 1, "next"));
}

async function tagFilter() {
  const select = document.getElementById("tag");
  const tags = await api("/tags?per_page=100").catch(() => ({ data: [] }));
  for (const tag of tags.data.filter((t) => t.post_count > 0)) {
    const option = text("option", `${tag.name} (${tag.post_count})`);
    option.value = tag.slug;
    select.append(option);
  }
  select.value = params.get("tag") || "";
  document.getElementById("q").value = params.get("q") || "";
}

const site = await loadSite();
if (site) {
  const what = params.get("q") ? `Search: ${params.get("q")} · ` : params.get("tag") ? `Tag: ${params.get("tag")} · ` : "";
  describePage(`${what}${site.title}`, site.description);
}
giftForm(site);
contactForm(site);
await Promise.all([listPosts(), tagFilter()]);
