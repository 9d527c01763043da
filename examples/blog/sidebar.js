// The two forms every page has: the "Free gift" sign-up and the contact form.
import { api, handleForm, text } from "./api.js";

export async function loadSite() {
  const site = await api("/site");
  document.querySelectorAll("#site-title").forEach((el) => (el.textContent = site.title));
  const description = document.getElementById("site-description");
  if (description) description.textContent = site.description;
  return site;
}

function field(id, label, type, attrs = {}) {
  const wrap = document.createElement("div");
  wrap.className = "field";
  const l = text("label", label);
  l.htmlFor = id;
  const input = document.createElement(type === "textarea" ? "textarea" : "input");
  input.id = id;
  input.name = id.split("-").pop();
  if (type !== "textarea") input.type = type;
  Object.entries(attrs).forEach(([k, v]) => input.setAttribute(k, v));
  const error = text("p", "", "error");
  error.id = `${input.name}-error`;
  wrap.append(l, input, error);
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

export function giftForm(site) {
  const section = document.getElementById("gift");
  if (!section) return;
  const heading = text("h2", `Free gift: ${site.gift.title || "our newsletter"}`);
  heading.id = "gift-heading";
  const form = document.createElement("form");
  form.id = "gift-form";
  form.noValidate = true;
  const status = text("p", "", "status");
  status.setAttribute("role", "status");
  const button = text("button", "Get immediate access");
  button.type = "submit";
  form.append(field("gift-email", "E-mail", "email", { required: "" }), honeypot(), button, status);
  section.append(heading, text("p", site.gift.description), form);
  handleForm(form, status, (values) => api("/subscribers", { method: "POST", body: { ...values, source: "gift" } }),
    () => "Check your inbox: we sent you a link to confirm and get your gift.");
}

export function contactForm() {
  const section = document.getElementById("contact");
  if (!section) return;
  const heading = text("h2", "Contact");
  heading.id = "contact-heading";
  const form = document.createElement("form");
  form.id = "contact-form";
  form.noValidate = true;
  const status = text("p", "", "status");
  status.setAttribute("role", "status");
  const button = text("button", "Send");
  button.type = "submit";
  form.append(
    field("contact-email", "E-mail", "email", { required: "" }),
    field("contact-message", "Message", "textarea", { required: "", rows: "4" }),
    honeypot(),
    button,
    status,
  );
  section.append(heading, form);
  handleForm(form, status, (values) => api("/contact", { method: "POST", body: values }),
    () => "Thank you, your message was received.");
}
