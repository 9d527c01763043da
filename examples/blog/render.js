// A post as the post page and the preview page show it.
import { describePage, link, text } from "./api.js";

export function dateOf(iso) {
  const time = text("time", new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "long", day: "numeric" }));
  time.dateTime = iso;
  return time;
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Fills `article` with the post; the page's title and description come from it and the site. */
export function renderPost(article, post, site) {
  describePage(`${post.meta_title || post.title}${site ? ` · ${site.title}` : ""}`, post.meta_description || post.excerpt);
  const meta = text("p", "", "meta");
  meta.append(post.author.name, " · ");
  if (post.published_at) meta.append(dateOf(post.published_at), " · ");
  meta.append(`${post.reading_time} min read`);
  // The preview page has no comments to jump to.
  if (document.getElementById("comments-heading")) meta.append(" · ", link(plural(post.comment_count, "comment"), "#comments-heading"));
  const parts = [text("h1", post.title, "post-title"), meta];
  if (post.tags.length > 0) {
    const tags = text("ul", "", "tags");
    tags.setAttribute("aria-label", "Tags");
    for (const tag of post.tags) {
      const item = document.createElement("li");
      item.append(link(tag.name, `index.html?tag=${encodeURIComponent(tag.slug)}`));
      tags.append(item);
    }
    parts.push(tags);
  }
  if (post.feature_image) {
    const image = document.createElement("img");
    image.src = post.feature_image;
    image.alt = "";
    image.className = "feature";
    // The copies the server made of an upload: the browser picks the one the screen needs.
    if (post.feature_image_variants?.length) {
      image.srcset = post.feature_image_variants.map((v) => `${v.url} ${v.width}w`).join(", ");
      image.sizes = "(max-width: 50em) 100vw, 50em";
    }
    parts.push(image);
  }
  const body = document.createElement("div");
  body.className = "body";
  // The API's html is sanitized on the server (no scripts, handlers or javascript: links), and
  // its uploaded images carry a srcset of their resized copies.
  body.innerHTML = post.html;
  parts.push(body);
  article.replaceChildren(...parts);
}
