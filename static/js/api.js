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

/** Private check-ins between a member and their program's counselors (service/http/outreach.py). */
export const outreach = {
  mine: () => get("/api/me/outreach"),
  thread: (id) => get(`/api/outreach/${p(id)}`),
  send: (id, text, clientId) => post(`/api/outreach/${p(id)}/messages`, { text, client_id: clientId }),
  fromCase: (caseId, text, clientId) => post(`/api/cases/${p(caseId)}/outreach`, { text, client_id: clientId }),
  toMember: (program, member, text, clientId) =>
    post(`/api/programs/${p(program)}/members/${p(member)}/outreach`, { text, client_id: clientId }),
  ofMember: (program, member) => get(`/api/programs/${p(program)}/members/${p(member)}/outreach`),
};

/** The caller's own posts waiting for review, with what happens next (service/http/held.py). */
export const held = () => get("/api/me/held");

function query(params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "" && v !== false) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Queue cards with filters, bulk decisions, members and on-call status (service/http/review.py, members.py). */
export const queue = {
  cases: (program, filters = {}) => get(`/api/programs/${p(program)}/cases${query(filters)}`),
  bulk: (program, action, cases, note) => post(`/api/programs/${p(program)}/cases/bulk`, { action, cases, note }),
  member: (program, user) => get(`/api/programs/${p(program)}/members/${p(user)}`),
  unmute: (program, user, reason = "") => post(`/api/programs/${p(program)}/members/${p(user)}/unmute`, { reason }),
  lift: (program, user, scope, room) =>
    post(`/api/programs/${p(program)}/members/${p(user)}/lift`, room ? { scope, room } : { scope }),
  oncallStatus: (program) => get(`/api/programs/${p(program)}/oncall/status`),
  oncall: (program) => get(`/api/programs/${p(program)}/oncall`),
  setOncall: (program, config) => request("PUT", `/api/programs/${p(program)}/oncall`, config),
};
