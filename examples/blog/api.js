// A tiny client for Byline's public API: same origin, JSON in and out, problem+json errors.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.retryAfter = null;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const response = await fetch(`/api/v1${path}`, {
    method,
    // Revalidate with the ETag every time: a 304 costs almost nothing, and a reader who just
    // posted sees the change without waiting out max-age.
    cache: "no-cache",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    error.retryAfter = response.headers.get("Retry-After");
    throw error;
  }
  return data;
}

/** Puts each 422 message next to its field (`<p id="FIELD-error">`); returns true if any. */
export function showFieldErrors(form, error) {
  form.querySelectorAll(".error").forEach((p) => (p.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const errors = error?.status === 422 ? error.problem.errors || {} : {};
  let shown = false;
  for (const [field, messages] of Object.entries(errors)) {
    const slot = form.querySelector(`#${CSS.escape(field)}-error`);
    const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
    if (slot) {
      slot.textContent = `${field.replace("_", " ")} ${messages.join(", ")}`;
      shown = true;
    }
    input?.setAttribute("aria-invalid", "true");
    input?.setAttribute("aria-describedby", `${field}-error`);
  }
  return shown;
}

/** The words for a failed send: rate limits say when to try again. */
export function failure(error) {
  if (error?.status === 429) {
    return `Too many attempts; try again in ${error.retryAfter || "a few"} seconds.`;
  }
  if (error?.status === 422) return "Please correct the fields marked above.";
  return error?.message || "Something went wrong; please try again.";
}

/** Submits `form` with `send(values)`, disabling it meanwhile and reporting in `status`. */
export function handleForm(form, status, send, success) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const values = Object.fromEntries(new FormData(form).entries());
    button.disabled = true;
    status.textContent = "Sending…";
    try {
      const answer = await send(values);
      showFieldErrors(form, null);
      status.textContent = success(answer);
      form.reset();
    } catch (error) {
      showFieldErrors(form, error);
      status.textContent = failure(error);
    } finally {
      button.disabled = false;
    }
  });
}

export function text(tag, value, className) {
  const el = document.createElement(tag);
  el.textContent = value ?? "";
  if (className) el.className = className;
  return el;
}
