// Sign in, and redeem an invite (choose a pseudonymous handle and a password).

import { field, h, replace, submitting } from "../dom.js";

function flash() {
  const text = sessionStorage.getItem("between:flash");
  sessionStorage.removeItem("between:flash");
  return text ? h("p", { className: "banner banner-info", role: "status" }, text) : null;
}

function errorBox() {
  return h("p", { className: "form-error", role: "alert", hidden: true });
}

function showError(box, text) {
  box.textContent = text;
  box.hidden = false;
}

function messageFor(err, fallback) {
  if (err.status === 401) return "That handle and password don't match. Please try again.";
  if (err.status === 429) return "Too many attempts. Please wait a few minutes and try again.";
  if (err.status === 0) return err.message;
  return err.message || fallback;
}


export function renderSignIn(ctx) {
  const handle = h("input", { name: "handle", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: false });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = errorBox();
  const form = h(
    "form",
    {
      className: "card auth-card",
      "aria-labelledby": "signin-title",
      onsubmit: (event) => {
        event.preventDefault();
        error.hidden = true;
        submitting(form, async () => {
          try {
            const { user } = await ctx.api.login(handle.value.trim(), password.value);
            const { programs, support } = await ctx.api.me();
            await ctx.signedIn(user, programs, support);
          } catch (err) {
            showError(error, messageFor(err, "Couldn't sign in."));
            password.select();
            password.focus();
          }
        });
      },
    },
    h("h1", { id: "signin-title" }, "Welcome back"),
    h("p", { className: "lede" }, "A quiet place to stay connected with your group between sessions."),
    flash(),
    error,
    field("Handle", handle),
    field("Password", password),
    h("button", { type: "submit", className: "btn btn-primary btn-block" }, "Sign in"),
    h("p", { className: "aside" }, "Have an invite code from your counselor? ", h("a", { href: "#/invite" }, "Join with an invite")),
  );
  replace(ctx.main, h("div", { className: "auth" }, form));
  handle.focus();
}

export function renderInvite(ctx) {
  const code = h("input", { name: "code", required: true, autocomplete: "one-time-code", autocapitalize: "none", spellcheck: false });
  const handle = h("input", { name: "handle", required: true, autocomplete: "username", autocapitalize: "none", spellcheck: false, maxLength: 64 });
  const password = h("input", { name: "password", type: "password", required: true, autocomplete: "new-password", minLength: 8 });
  const error = errorBox();
  const form = h(
    "form",
    {
      className: "card auth-card",
      "aria-labelledby": "invite-title",
      onsubmit: (event) => {
        event.preventDefault();
        error.hidden = true;
        submitting(form, async () => {
          try {
            const { user } = await ctx.api.redeem(code.value.trim(), handle.value.trim(), password.value);
            const { programs, support } = await ctx.api.me();
            await ctx.signedIn(user, programs, support);
          } catch (err) {
            showError(error, err.status === 429 ? messageFor(err) : err.message || "Couldn't use that invite.");
          }
        });
      },
    },
    h("h1", { id: "invite-title" }, "Join your group"),
    h("p", { className: "lede" }, "Pick a handle that doesn't identify you: not your full name, email or phone number."),
    error,
    field("Invite code", code),
    field("Handle", handle, "This is how others in the group will see you."),
    field("Password", password, "At least 8 characters."),
    h("button", { type: "submit", className: "btn btn-primary btn-block" }, "Create account"),
    h("p", { className: "aside" }, "Already have an account? ", h("a", { href: "#/signin" }, "Sign in")),
  );
  replace(ctx.main, h("div", { className: "auth" }, form));
  code.focus();
}
