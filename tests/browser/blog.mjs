// The example blog in headless Chromium against a real Byline server and a real SMTP server:
// read a post (srcset, code and tables that fit a phone), comment, reply and comment again, see
// moderation, approve through the API, open a draft through its preview link, sign up for the
// gift and follow the e-mailed links (confirm, then unsubscribe), send a contact message and
// find it in the editors' inbox; not-found and unreachable-API states. Screenshots at 1280 and
// 390 px go to target/screenshots/.
//
//   node tests/browser/blog.mjs   (needs: Debian's chromium, `npm install` here, pip aiosmtpd)
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { deflateSync } from "node:zlib";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
const bin = process.env.BIN || join(root, "target/debug/byline");
const shots = join(root, "target/screenshots");
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "byline-browser-"));
const port = 18600 + Math.floor(Math.random() * 300);
const smtpPort = port + 1000;
const base = `http://127.0.0.1:${port}`;
const children = [];
const stop = () => children.forEach((c) => c.kill("SIGKILL"));
process.on("exit", stop);

function start(cmd, args, env = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  return child;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, check, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
async function call(path, { method = "GET", body, token } = {}) {
  const r = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.status === 204 ? null : r.json();
}
let passed = 0;
function check(condition, message) {
  if (!condition) throw new Error(message);
  passed += 1;
  console.log(`ok - ${message}`);
}

/** An RGB PNG with a colour ramp, made here so the test needs no image files. */
function png(width, height) {
  const crc32 = (buf) => {
    let crc = ~0;
    for (const b of buf) {
      crc ^= b;
      for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
    }
    return ~crc >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(8 + body.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 4 + body.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const row = width * 3 + 1;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set([x % 256, y % 256, 160], y * row + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
async function mailTo(address, containing) {
  return until(`an e-mail to ${address} with ${containing}`, async () => {
    const dir = join(maildir, "new");
    if (!existsSync(dir)) return null;
    const mails = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"))
      .map((m) => m.replace(/=\r?\n/g, "").replace(/=3D/g, "="))
      .filter((m) => m.includes(address) && m.includes(containing));
    return mails[0] || null;
  });
}
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

const maildir = join(work, "maildir");
start("python3", ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${smtpPort}`, "-c", "aiosmtpd.handlers.Mailbox", maildir]);
start(bin, ["serve"], {
  BYLINE_DATABASE_URL: join(work, "blog.db"),
  BYLINE_BIND: `127.0.0.1:${port}`,
  BYLINE_SITE_DIR: join(root, "examples/blog"),
  BYLINE_MEDIA_DIR: join(work, "media"),
  BYLINE_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  BYLINE_ADMIN_EMAIL: "admin@example.com",
  BYLINE_ADMIN_PASSWORD: "admin password",
  BYLINE_PUBLIC_CACHE_MS: "0",
  RUST_LOG: "warn",
});
await until("the server", async () => (await fetch(`${base}/healthz`)).ok);

// Seed: the site (with this blog's pages for posts and the e-mailed links), an image, two posts
// and a draft.
const { access_token: token } = await call("/auth/login", { method: "POST", body: { email: "admin@example.com", password: "admin password" } });
await call("/site", { method: "PATCH", token, body: { title: "Video Training Blog", description: "Short lessons every week",
  post_url: "/post.html?slug={slug}", confirm_url: "/confirm.html?token={token}",
  unsubscribe_url: "/unsubscribe.html?token={token}", preview_url: "/preview.html?token={token}",
  gift: { title: "the video training", description: "Six short lessons", url: "https://example.com/gift/video" } } });
const form = new FormData();
form.append("file", new Blob([png(800, 400)], { type: "image/png" }), "ramp.png");
const upload = await fetch(`${base}/api/v1/media`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: form });
const image = await upload.json();
check(upload.status === 201 && image.variants.map((v) => v.width).join() === "640,320", "the upload has copies at 640 and 320 px");
const longLine = "ffmpeg -i master.mov -c:v libx264 -preset slow -crf 18 -c:a aac -b:a 192k -movflags +faststart -vf scale=1920:-2 lesson-01-final.mp4";
const lesson = [
  "# Welcome", "", "The **first** lesson.", "", `![A colour ramp](${image.url})`, "",
  "> Consistency beats quality.", "",
  "| Step | Command | Notes |", "|---|---|---|", `| 1 | \`${longLine}\` | encode the master once, then cut |`, "",
  "```", longLine, "```",
].join("\n");
for (const [title, markdown, cover] of [["Getting started", lesson, image.url], ["Second lesson", "More to learn."]]) {
  await call("/posts", { method: "POST", token, body: { title, markdown, status: "published", tags: ["Lessons"], feature_image: cover } });
}
const draft = await call("/posts", { method: "POST", token, body: { title: "Next week's lesson", markdown: "Still *being written*." } });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync"],
});
const errors = [];
async function open(width) {
  const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 900 } });
  page.on("pageerror", (e) => errors.push(e.message));
  // Network answers the test provokes (a 422, a stopped API) are not script errors.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()));
  return page;
}
const page = await open(1280);
const phone = await open(390);
try {
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: "Getting started" }).waitFor();
  await page.screenshot({ path: join(shots, "index-1280.png"), fullPage: true });
  check((await page.locator("#posts > li").count()) === 2, "the list shows both posts");
  check(await page.title() === "Video Training Blog", "the index is titled after the site");
  check(await page.locator('meta[name="description"]').getAttribute("content") === "Short lessons every week", "the index has the site's description");
  const posts = await call("/posts");
  check(posts.data.every((p) => p.url === `${base}/post.html?slug=${p.slug}`), "each post's url is the blog's post page");
  check(await page.getByRole("link", { name: "Getting started" }).getAttribute("href") === "post.html?slug=getting-started", "the list links each post's page");
  const chosen = await (await page.waitForFunction(() => document.querySelector("#posts img.cover")?.currentSrc)).jsonValue();
  check(/-640w\.png$/.test(chosen || ""), `the list's cover loads a copy, not the original (${chosen})`);

  await page.getByRole("link", { name: "Getting started" }).click();
  await page.getByRole("heading", { name: "Welcome" }).waitFor();
  check(await page.locator("#post .body strong").textContent() === "first", "the post's html is rendered");
  check(await page.title() === "Getting started · Video Training Blog", "the post page is titled after the post and site");
  const srcset = await page.locator("#post .body img").getAttribute("srcset");
  check(/-320w\.png 320w, .*-640w\.png 640w, .* 800w$/.test(srcset || ""), "the image has a srcset of its copies");
  check(/-640w\.png 640w, .*-320w\.png 320w$/.test(await page.locator("#post img.feature").getAttribute("srcset") || ""), "the feature image has a srcset of its copies");
  check(await page.locator("#post .tags a", { hasText: "Lessons" }).getAttribute("href") === "index.html?tag=lessons", "tags link to their posts");
  check(await page.locator("#no-comments").isVisible(), "no comments yet says so, outside the list");
  check(await page.locator("#comments li").count() === 0, "the empty list has no items");
  check(await page.locator("[aria-live]").count() === 0 && await page.locator("#post[role]").count() === 0, "only status messages are live regions");
  await page.screenshot({ path: join(shots, "post-1280.png"), fullPage: true });

  // A phone: nothing widens the page; the comments come before the sidebar.
  await phone.goto(`${base}/post.html?slug=getting-started`);
  await phone.getByRole("heading", { name: "Welcome" }).waitFor();
  check(await overflow(phone) <= 0, "no horizontal overflow at 390 px with a long code line and a table");
  const [commentsTop, asideTop] = await phone.evaluate(() => [document.querySelector(".comments").getBoundingClientRect().top, document.querySelector("aside").getBoundingClientRect().top]);
  check(commentsTop < asideTop, "on a phone the comments come before the sidebar");
  await phone.screenshot({ path: join(shots, "post-390.png"), fullPage: true });
  await phone.goto(`${base}/`);
  await phone.getByRole("link", { name: "Getting started" }).waitFor();
  check(await overflow(phone) <= 0, "no horizontal overflow on the index at 390 px");
  await phone.screenshot({ path: join(shots, "index-390.png"), fullPage: true });

  // A comment waits for moderation, then appears once approved.
  const commentForm = page.locator("#comment-form");
  await commentForm.getByLabel("Name").fill("Reader");
  await commentForm.getByLabel("E-mail").fill("reader@example.com");
  await commentForm.getByRole("textbox", { name: "Comment" }).fill("Great lesson, thank you!");
  await page.getByRole("button", { name: "Post comment" }).click();
  await page.getByText("awaiting moderation").waitFor();
  const pending = await call("/comments?status=pending", { token });
  await call(`/comments/${pending.data[0].id}`, { method: "PATCH", token, body: { status: "approved" } });
  await page.reload();
  await page.getByText("Great lesson, thank you!").waitFor();
  check(!(await page.content()).includes("reader@example.com"), "the commenter's e-mail is not on the page");
  check(await page.locator("#comments-heading").textContent() === "Comments (1)", "the heading counts the comments");

  // A reply, then a new top-level comment: the second is not a reply.
  await page.getByRole("button", { name: "Reply to Reader" }).click();
  check(await page.evaluate(() => document.activeElement.id) === "author_name", "replying moves focus into the form");
  await commentForm.getByLabel("Name").fill("Teacher");
  await commentForm.getByRole("textbox", { name: "Comment" }).fill("Glad it helped.");
  await page.getByRole("button", { name: "Post comment" }).click();
  await page.getByText("awaiting moderation (a reply)").waitFor();
  await commentForm.getByLabel("Name").fill("Another reader");
  await commentForm.getByRole("textbox", { name: "Comment" }).fill("A question of my own.");
  await page.getByRole("button", { name: "Post comment" }).click();
  await page.getByText("Your comment is awaiting moderation.").waitFor();
  const waiting = (await call("/comments?status=pending&per_page=10", { token })).data;
  const reply = waiting.find((c) => c.author_name === "Teacher");
  const second = waiting.find((c) => c.author_name === "Another reader");
  check(reply?.parent_id === pending.data[0].id, "the reply points at its parent");
  check(second && !second.parent_id, "the comment after a reply is top-level");
  await call(`/comments/${reply.id}`, { method: "PATCH", token, body: { status: "approved" } });
  await page.reload();
  await page.getByText("Glad it helped.").waitFor();
  const indent = await page.locator("li.comment", { hasText: "Glad it helped." }).evaluate((el) => el.style.marginLeft);
  check(indent !== "" && indent !== "0rem", "the reply is indented under its parent");
  await page.screenshot({ path: join(shots, "thread-1280.png"), fullPage: true });

  // A bad comment: the message uses the field's label, and focus goes to it.
  await commentForm.getByLabel("Name").fill("Someone");
  await page.getByRole("button", { name: "Post comment" }).click();
  await page.locator("#body-error").filter({ hasText: "Comment" }).waitFor();
  check(await page.evaluate(() => document.activeElement.id) === "body", "focus moves to the first bad field");

  // The draft, through its preview link.
  const preview = await call(`/posts/${draft.id}/preview-links`, { method: "POST", token });
  check(preview.url.startsWith(`${base}/preview.html?token=`), "the preview link opens the blog's preview page");
  await page.goto(preview.url);
  await page.getByRole("heading", { name: "Next week's lesson" }).waitFor();
  check((await page.locator("#preview-banner").textContent()).includes("draft"), "the preview page says it is a draft");
  check(await page.locator('meta[name="robots"]').getAttribute("content") === "noindex, nofollow", "the preview page is not indexed");
  await page.screenshot({ path: join(shots, "preview-1280.png"), fullPage: true });
  await phone.goto(preview.url);
  await phone.getByRole("heading", { name: "Next week's lesson" }).waitFor();
  await phone.screenshot({ path: join(shots, "preview-390.png"), fullPage: true });
  await call(`/posts/${draft.id}/preview-links`, { method: "DELETE", token });
  await page.reload();
  await page.getByText("This preview link is not valid").waitFor();
  check(true, "a revoked preview link says so");

  // The gift: sign up, follow the e-mailed link, get the gift; then unsubscribe from the e-mail.
  await page.goto(`${base}/`);
  await page.locator("#gift-form").getByLabel("E-mail").fill("fan@example.com");
  await page.getByRole("button", { name: "Get immediate access" }).click();
  await page.getByText("Check your inbox").waitFor();
  const confirm = (await mailTo("fan@example.com", "/confirm.html?token=")).match(/http:\/\/\S+\/confirm\.html\?token=[A-Za-z0-9_-]+/)?.[0];
  check(Boolean(confirm), "the e-mail links to the confirm page");
  await page.goto(confirm);
  await page.locator("#gift-link").waitFor();
  check(await page.locator("#gift-link").getAttribute("href") === "https://example.com/gift/video", "the confirm page shows the gift");
  await page.screenshot({ path: join(shots, "gift-1280.png") });
  const unsubscribe = (await mailTo("fan@example.com", "/unsubscribe.html?token=")).match(/http:\/\/\S+\/unsubscribe\.html\?token=[A-Za-z0-9_-]+/)?.[0];
  check(Boolean(unsubscribe), "the welcome e-mail links to the unsubscribe page");
  await page.goto(unsubscribe);
  await page.getByText("You are unsubscribed").waitFor();
  check(true, "the unsubscribe page unsubscribes");

  // The contact form, then the editors' inbox.
  await page.goto(`${base}/?page=abc`);
  await page.getByRole("link", { name: "Getting started" }).waitFor();
  check(true, "a bad page number shows the first page");
  await page.locator("#contact-form").getByLabel("E-mail").fill("asker@example.com");
  await page.locator("#contact-form").getByLabel("Message").fill("When is the next lesson?");
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByText("your message was received").waitFor();
  const inbox = await call("/contact-messages", { token });
  check(inbox.data.some((m) => m.message === "When is the next lesson?"), "the message is in the editors' inbox");
  await page.locator("#contact-form").getByLabel("E-mail").fill("not-an-address");
  await page.locator("#contact-form").getByLabel("Message").fill("x");
  await page.getByRole("button", { name: "Send" }).click();
  await page.locator("#contact-form #email-error").filter({ hasText: "E-mail" }).waitFor();
  check(await page.evaluate(() => document.activeElement.id) === "contact-email", "a 422 shows next to the named field, focused");
  await page.screenshot({ path: join(shots, "field-error-1280.png") });

  // Not found, and the API unreachable: a message and a way home, never a blank page.
  await page.goto(`${base}/post.html?slug=no-such-post`);
  await page.getByText("This post does not exist").waitFor();
  check(await page.getByRole("link", { name: "Back to the home page" }).count() === 1, "a missing post says so, with a way home");
  await page.route("**/api/v1/**", (route) => route.abort());
  await page.goto(`${base}/`);
  await page.getByText("could not be reached").waitFor();
  check(await page.getByRole("button", { name: "Try again" }).count() === 1, "with the API stopped the index says so and offers a retry");
  await page.goto(`${base}/post.html?slug=getting-started`);
  await page.getByText("could not be reached").waitFor();
  await page.screenshot({ path: join(shots, "unreachable-1280.png") });
  check(true, "with the API stopped the post page says so");
  await page.unroute("**/api/v1/**");

  check(errors.length === 0, `no errors in the browser console${errors.length ? `: ${errors.join("; ")}` : ""}`);
  console.log(`${passed} passed, 0 failed`);
} catch (error) {
  await page.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => {});
  await phone.screenshot({ path: join(shots, "failure-390.png"), fullPage: true }).catch(() => {});
  console.error(error);
  process.exitCode = 1;
} finally {
  await browser.close();
  stop();
}
