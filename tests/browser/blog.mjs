// The example blog in headless Chromium against a real Byline server and a real SMTP server:
// read a post, comment and reply, see moderation, approve through the API, sign up for the gift
// and follow the e-mailed link, send a contact message and find it in the editors' inbox.
// Screenshots of each step go to target/screenshots/.
//
//   node tests/browser/blog.mjs   (needs: Debian's chromium, `npm install` here, pip aiosmtpd)
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
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
function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`ok - ${message}`);
}

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

// Seed: site, gift and two posts.
const { access_token: token } = await call("/auth/login", { method: "POST", body: { email: "admin@example.com", password: "admin password" } });
await call("/site", { method: "PATCH", token, body: { title: "Video Training Blog", description: "Short lessons every week",
  gift: { title: "the video training", description: "Six short lessons", url: "https://example.com/gift/video" } } });
for (const [title, markdown] of [["Getting started", "# Welcome\n\nThe **first** lesson."], ["Second lesson", "More to learn."]]) {
  await call("/posts", { method: "POST", token, body: { title, markdown, status: "published", tags: ["Lessons"] } });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
// Network answers the test provokes (a 422) are not script errors.
page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()));
try {
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: "Getting started" }).waitFor();
  await page.screenshot({ path: join(shots, "1-list.png") });
  check((await page.locator("#posts li").count()) === 2, "the list shows both posts");

  await page.getByRole("link", { name: "Getting started" }).click();
  await page.getByRole("heading", { name: "Welcome" }).waitFor();
  check(await page.locator("#post .body strong").textContent() === "first", "the post's html is rendered");
  await page.screenshot({ path: join(shots, "2-post.png"), fullPage: true });

  // A comment waits for moderation, then appears once approved.
  await page.locator("#comment-form").getByLabel("Name").fill("Reader");
  await page.getByLabel("E-mail (not published)").fill("reader@example.com");
  await page.getByRole("textbox", { name: "Comment" }).fill("Great lesson, thank you!");
  await page.getByRole("button", { name: "Post comment" }).click();
  await page.getByText("awaiting moderation").waitFor();
  await page.screenshot({ path: join(shots, "3-comment-pending.png"), fullPage: true });
  const pending = await call("/comments?status=pending", { token });
  await call(`/comments/${pending.data[0].id}`, { method: "PATCH", token, body: { status: "approved" } });
  await page.reload();
  await page.getByText("Great lesson, thank you!").waitFor();
  check(!(await page.content()).includes("reader@example.com"), "the commenter's e-mail is not on the page");

  // A reply, nested under its parent.
  await page.getByRole("button", { name: "Reply" }).first().click();
  await page.locator("#comment-form").getByLabel("Name").fill("Teacher");
  await page.getByRole("textbox", { name: "Comment" }).fill("Glad it helped.");
  await page.getByRole("button", { name: "Post comment" }).click();
  await page.getByText("awaiting moderation").waitFor();
  const reply = (await call("/comments?status=pending", { token })).data[0];
  check(reply.comment?.parent_id === pending.data[0].id || reply.parent_id === pending.data[0].id, "the reply points at its parent");
  await call(`/comments/${reply.id}`, { method: "PATCH", token, body: { status: "approved" } });
  await page.reload();
  await page.getByText("Glad it helped.").waitFor();
  const indent = await page.locator("li.comment", { hasText: "Glad it helped." }).evaluate((el) => el.style.marginLeft);
  check(indent !== "" && indent !== "0rem", "the reply is indented under its parent");
  await page.screenshot({ path: join(shots, "4-thread.png"), fullPage: true });

  // The gift: sign up, follow the e-mailed link, get the gift.
  await page.locator("#gift-form").getByLabel("E-mail").fill("fan@example.com");
  await page.getByRole("button", { name: "Get immediate access" }).click();
  await page.getByText("Check your inbox").waitFor();
  await page.screenshot({ path: join(shots, "5-signed-up.png") });
  const mail = await until("the confirmation e-mail", async () => {
    const dir = join(maildir, "new");
    if (!existsSync(dir)) return null;
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8")).filter((m) => m.includes("fan@example.com"));
    return files[0] || null;
  });
  const unfolded = mail.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
  const confirm = unfolded.match(/http:\/\/\S+\/confirm\.html\?token=[A-Za-z0-9_-]+/)?.[0];
  check(Boolean(confirm), "the e-mail links to the confirm page");
  await page.goto(confirm);
  await page.locator("#gift-link").waitFor();
  check(await page.locator("#gift-link").getAttribute("href") === "https://example.com/gift/video", "the confirm page shows the gift");
  await page.screenshot({ path: join(shots, "6-gift.png") });

  // The contact form, then the editors' inbox.
  await page.goto(`${base}/`);
  await page.locator("#contact-form").getByLabel("E-mail").fill("asker@example.com");
  await page.locator("#contact-form").getByLabel("Message").fill("When is the next lesson?");
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByText("your message was received").waitFor();
  await page.screenshot({ path: join(shots, "7-contact.png") });
  const inbox = await call("/contact-messages", { token });
  check(inbox.data.some((m) => m.message === "When is the next lesson?"), "the message is in the editors' inbox");

  // A bad field is shown next to the field.
  await page.locator("#contact-form").getByLabel("E-mail").fill("not-an-address");
  await page.locator("#contact-form").getByLabel("Message").fill("x");
  await page.getByRole("button", { name: "Send" }).click();
  await page.locator("#contact-form #email-error").filter({ hasText: "valid" }).waitFor();
  await page.screenshot({ path: join(shots, "8-field-error.png") });
  check(true, "a 422 shows next to the named field");

  check(errors.length === 0, `no errors in the browser console${errors.length ? `: ${errors.join("; ")}` : ""}`);
  console.log("10 passed, 0 failed");
} catch (error) {
  await page.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => {});
  console.error(error);
  process.exitCode = 1;
} finally {
  await browser.close();
  stop();
}
