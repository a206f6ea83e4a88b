// The HTTP API: JSON in and out, the session cookie rides along, errors are typed.

/** A refused request: `status` is the HTTP status, `code` the server's error code. */
export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "Can't reach Between right now. Check your connection and try again.");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const err = data.error || {};
    throw new ApiError(response.status, err.code, err.detail);
  }
  return data;
}

export const get = (path) => request("GET", path);
export const post = (path, body = {}) => request("POST", path, body);

export const login = (handle, password) => post("/api/login", { handle, password });
export const redeem = (code, handle, password) => post("/api/invites/redeem", { code, handle, password });
export const logout = () => post("/api/logout");
export const me = () => get("/api/me");
export const rooms = () => get("/api/rooms");

const p = encodeURIComponent;

/** The counselor queue (service/review_api.py). */
export const review = {
  inbox: (program, since) => get(`/api/programs/${p(program)}/inbox${since ? `?since=${p(since)}` : ""}`),
  followups: (program) => get(`/api/programs/${p(program)}/followups`),
  cases: (program, status = "open") => get(`/api/programs/${p(program)}/cases?status=${p(status)}`),
  case: (id) => get(`/api/cases/${p(id)}`),
  act: (id, action, body = {}) => post(`/api/cases/${p(id)}/${action}`, body),
  followupDone: (id, followup) => post(`/api/cases/${p(id)}/followups/${p(followup)}/done`),
  audit: (program, filters = {}) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    return get(`/api/programs/${p(program)}/audit?${q}`);
  },
};
