import { httpCall, type HttpResponse } from './http.ts';

/** What the control-plane library itself needs to call the apiserver as admin. */
export interface ApiAccess {
  server: string;
  caPem: string;
  token: string;
}

export function apiCall(api: ApiAccess, method: string, path: string, body?: unknown): Promise<HttpResponse> {
  return httpCall(`${api.server}${path}`, { method, ca: api.caPem, token: api.token, body });
}
