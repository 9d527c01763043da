// The pages the e-mail links open: confirm (shows the gift) and unsubscribe.
import { api, link, text, unreachable } from "./api.js";
import { loadSite } from "./sidebar.js";

const token = new URLSearchParams(location.search).get("token") || "";
const result = document.getElementById("result");
const action = location.pathname.endsWith("unsubscribe.html") ? "unsubscribe" : "confirm";
const home = () => link("Back to the home page", "index.html");
const site = await loadSite();
if (site) document.title = `${document.title} · ${site.title}`;
try {
  const answer = await api(`/subscribers/${action}?token=${encodeURIComponent(token)}`, { method: "POST" });
  if (action === "confirm") {
    const gift = link(answer.gift.title || "Your gift", answer.gift.url);
    gift.id = "gift-link";
    result.replaceChildren(text("p", "Your subscription is confirmed. Here is your gift:"), gift, text("p", answer.gift.description), home());
  } else {
    result.replaceChildren(text("p", "You are unsubscribed. You will get no more e-mails from us."), home());
  }
} catch (error) {
  const message = error.status === 410 ? "This link was already used or has expired."
    : error.status === 400 || error.status === 404 || error.status === 422 ? "This link is not valid."
    : unreachable(error);
  result.replaceChildren(text("p", message), home());
}
