// An integrator's first program: types generated from openapi/openapi.json by
// openapi-typescript, calls through openapi-fetch, compiled with `tsc --strict`.
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

const baseUrl = process.env.BYLINE_URL;
if (!baseUrl) throw new Error("set BYLINE_URL");
// The document gives `fields` as `style: form, explode: false` (fields=slug,title).
const client = createClient<paths>({ baseUrl, querySerializer: { array: { style: "form", explode: false } } });
let passed = 0;
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`failed: ${what}`);
  passed += 1;
  console.log(`ok - ${what}`);
}

const list = await client.GET("/api/v1/posts", { params: { query: { per_page: 5, fields: ["slug", "title"] } } });
check(list.response.status === 200 && list.data !== undefined && list.data.data.length > 0, "lists posts");
const slug: string = list.data?.data[0]?.slug ?? "";

const post = await client.GET("/api/v1/posts/{post}", { params: { path: { post: slug } } });
const title: string | undefined = post.data?.title;
check(post.response.status === 200 && typeof title === "string" && typeof post.data?.html === "string", `reads "${title}"`);

const comment = await client.POST("/api/v1/posts/{post}/comments", {
  params: { path: { post: slug } },
  body: { author_name: "Typed client", body: "Posted through a generated client." },
});
check(comment.response.status === 201 && comment.data?.status === "pending", "posts a comment (pending moderation)");

const bad = await client.POST("/api/v1/posts/{post}/comments", {
  params: { path: { post: slug } },
  body: { author_name: "", body: "" },
});
check(bad.response.status === 422 && bad.error !== undefined, "a bad comment is a typed 422 problem");

console.log(`${passed} passed, 0 failed`);
