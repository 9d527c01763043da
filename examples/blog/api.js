// A tiny client for Byline's public API: same origin, JSON in and out, problem+json errors.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || (status ? `HTTP ${status}` : "The blog could not be reached."));
    this.status = status;
    this.problem = problem || {};
    this.retryAfter = null;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      // Revalidate with the ETag every time: a 304 costs almost nothing, and a reader who just
      // posted sees the change without waiting out max-age.
      cache: "no-cache",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, null); // offline, or the server is down
  }
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    error.retryAfter = response.headers.get("Retry-After");
    throw error;
  }
  return data;
}

export function text(tag, value, className) {
  const el = document.createElement(tag);
  el.textContent = value ?? "";
  if (className) el.className = className;
  return el;
}

export function link(label, href, className) {
  const a = text("a", label, className);
  a.href = href;
  return a;
}

/** A page's title and meta description. */
export function describePage(title, description) {
  document.title = title;
  document.querySelector('meta[name="description"]')?.setAttribute("content", description || "");
}

/** Replaces `container` with a message and a way on: `notFound` or "could not be reached". */
export function showState(container, message, { retry = false } = {}) {
  const box = document.createElement("div");
  box.className = "state";
  box.append(text("p", message));
  const ways = document.createElement("p");
  if (retry) {
    const again = text("button", "Try again");
    again.type = "button";
    again.addEventListener("click", () => location.reload());
    ways.append(again, " ");
  }
  ways.append(link("Back to the home page", "index.html"));
  box.append(ways);
  container.replaceChildren(box);
}

/** The words for an error that stops a page from showing what it should. */
export function unreachable(error) {
  if (error?.status === 503 || error?.status === 429) return "The blog is busy right now; please try again in a moment.";
  return "The blog could not be reached. Check your connection and try again.";
}

/** What a field is called on the page: its label's own text, without marks or hints. */
function labelOf(form, input) {
  const label = input && form.querySelector(`label[for="${CSS.escape(input.id)}"]`);
  const own = label ? [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("").trim() : "";
  return own || input?.name || "This field";
}

/** Puts each 422 message next to its field (`<p id="FIELD-error">`), phrased with the field's
 * label; returns the first field marked. */
export function showFieldErrors(form, error) {
  form.querySelectorAll(".error").forEach((p) => (p.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const errors = error?.status === 422 ? error.problem.errors || {} : {};
  let first = null;
  for (const [field, messages] of Object.entries(errors)) {
    const slot = form.querySelector(`#${CSS.escape(field)}-error`);
    const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
    if (!input || input.type === "hidden") continue;
    if (slot) slot.textContent = `${labelOf(form, input)} ${messages.join(", ")}`;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${field}-error`);
    first ??= input;
  }
  return first;
}

/** The words for a failed send: rate limits say when to try again. */
export function failure(error) {
  if (error?.status === 429) {
    return `Too many attempts; try again in ${error.retryAfter || "a few"} seconds.`;
  }
  if (error?.status === 422) return "Please correct the fields marked above.";
  if (!error?.status) return unreachable(error);
  return error.message || "Something went wrong; please try again.";
}

/** Submits `form` with `send(values)`, disabling it meanwhile and reporting in `status`; after
 * a refusal, focus goes to the first field to correct, else back to the button. */
export function handleForm(form, status, send, success) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const values = Object.fromEntries(new FormData(form).entries());
    button.disabled = true;
    status.textContent = "Sending…";
    let focus = button;
    try {
      const answer = await send(values);
      showFieldErrors(form, null);
      form.reset();
      status.textContent = success(answer);
    } catch (error) {
      focus = showFieldErrors(form, error) || button;
      status.textContent = failure(error);
    } finally {
      button.disabled = false;
      focus.focus();
    }
  });
}
