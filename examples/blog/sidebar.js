// The two forms every page has: the "Free gift" sign-up and the contact form.
import { api, handleForm, text } from "./api.js";

/** The site's settings, its title put in the header; `null` when the API cannot be reached
 * (the page then says so where its content goes). */
export async function loadSite() {
  try {
    const site = await api("/site");
    document.querySelectorAll("#site-title").forEach((el) => (el.textContent = site.title));
    const description = document.getElementById("site-description");
    if (description) description.textContent = site.description;
    return site;
  } catch {
    return null;
  }
}

/** A label with its required mark, as the seed page writes it ("Email *"). */
export function labelFor(id, label, { required = false, hint = "" } = {}) {
  const l = text("label", label);
  l.htmlFor = id;
  if (hint) l.append(" ", text("span", hint, "hint"));
  if (required) {
    const mark = text("span", " *", "required");
    mark.setAttribute("aria-hidden", "true");
    l.append(mark);
  }
  return l;
}

function field(id, label, type, attrs = {}) {
  const wrap = document.createElement("div");
  wrap.className = "field";
  const input = document.createElement(type === "textarea" ? "textarea" : "input");
  input.id = id;
  input.name = id.split("-").pop();
  if (type !== "textarea") input.type = type;
  Object.entries(attrs).forEach(([k, v]) => input.setAttribute(k, v));
  const error = text("p", "", "error");
  error.id = `${input.name}-error`;
  wrap.append(labelFor(id, label, { required: "required" in attrs }), input, error);
  return wrap;
}

function honeypot() {
  const wrap = document.createElement("div");
  wrap.className = "hp";
  wrap.setAttribute("aria-hidden", "true");
  const input = document.createElement("input");
  input.name = "website";
  input.tabIndex = -1;
  input.autocomplete = "off";
  wrap.append(input);
  return wrap;
}

function status() {
  const p = text("p", "", "status");
  p.setAttribute("role", "status");
  return p;
}

export function giftForm(site) {
  const section = document.getElementById("gift");
  if (!section || !site) return;
  const heading = text("h2", `Free gift: ${site.gift.title || "our newsletter"}`);
  heading.id = "gift-heading";
  const form = document.createElement("form");
  form.id = "gift-form";
  form.noValidate = true;
  const said = status();
  const button = text("button", "Get immediate access");
  button.type = "submit";
  form.append(field("gift-email", "E-mail", "email", { required: "", autocomplete: "email" }), honeypot(), button, said);
  section.append(heading, text("p", site.gift.description), form);
  handleForm(form, said, (values) => api("/subscribers", { method: "POST", body: { ...values, source: "gift" } }),
    () => "Check your inbox: we sent you a link to confirm and get your gift.");
}

export function contactForm(site) {
  const section = document.getElementById("contact");
  if (!section || !site) return;
  const heading = text("h2", "Contact");
  heading.id = "contact-heading";
  const form = document.createElement("form");
  form.id = "contact-form";
  form.noValidate = true;
  const said = status();
  const button = text("button", "Send");
  button.type = "submit";
  form.append(
    field("contact-email", "E-mail", "email", { required: "", autocomplete: "email" }),
    field("contact-message", "Message", "textarea", { required: "", rows: "4" }),
    honeypot(),
    button,
    said,
  );
  section.append(heading, form);
  handleForm(form, said, (values) => api("/contact", { method: "POST", body: values }),
    () => "Thank you, your message was received.");
}
