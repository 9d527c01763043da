// The pages the e-mail links open: confirm (shows the gift) and unsubscribe.
import { api, text } from "./api.js";
import { loadSite } from "./sidebar.js";

const token = new URLSearchParams(location.search).get("token") || "";
const result = document.getElementById("result");
const action = location.pathname.endsWith("unsubscribe.html") ? "unsubscribe" : "confirm";
loadSite();
try {
  const answer = await api(`/subscribers/${action}?token=${encodeURIComponent(token)}`, { method: "POST" });
  if (action === "confirm") {
    const link = text("a", answer.gift.title || "Your gift");
    link.href = answer.gift.url;
    link.id = "gift-link";
    result.replaceChildren(text("p", "Your subscription is confirmed. Here is your gift:"), link, text("p", answer.gift.description));
  } else {
    result.replaceChildren(text("p", "You are unsubscribed. You will get no more e-mails from us."));
  }
} catch (error) {
  result.replaceChildren(text("p", error.status === 410 ? "This link was already used or has expired." : "This link is not valid."));
}
