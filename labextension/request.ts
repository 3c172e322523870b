import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * A non-2xx answer of the lazyscope server extension.
 *
 * Tornado's `APIHandler` answers errors with `{"message": ..., "reason": ...}`;
 * the HTTP status is kept so callers can tell "not found" from "forbidden".
 */
export class LazyscopeAPIError extends ServerConnection.ResponseError {
  constructor(response: Response, message: string, traceback?: string) {
    super(response, message, traceback);
    this.name = 'LazyscopeAPIError';
  }

  get status(): number {
    return this.response.status;
  }
}

/**
 * Call the lazyscope server extension: `<baseUrl>/lazyscope/api/<endPoint>`.
 *
 * The one place the lab side talks HTTP, so authentication (XSRF token,
 * base URL) is handled by `ServerConnection` everywhere the same way.
 *
 * @param endPoint API path below `lazyscope/api/`, e.g. `clusters`
 * @param init fetch options (method, body, ...)
 * @returns the parsed JSON body (or `undefined` for an empty body)
 * @throws ServerConnection.NetworkError when the server cannot be reached
 * @throws LazyscopeAPIError on a non-2xx status
 */
export async function requestAPI<T>(endPoint = '', init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const requestUrl = URLExt.join(settings.baseUrl, 'lazyscope', 'api', endPoint);

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(requestUrl, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }

  const text = await response.text();
  let data: unknown = undefined;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      // Proxies and the login redirect answer HTML; keep it as the message.
      data = text;
    }
  }

  if (!response.ok) {
    const body = (typeof data === 'object' && data !== null ? data : {}) as {
      message?: string;
      traceback?: string;
    };
    const message = body.message ?? (typeof data === 'string' ? data : response.statusText);
    throw new LazyscopeAPIError(response, message, body.traceback);
  }
  return data as T;
}
