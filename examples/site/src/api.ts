import { createClient } from "@careleaf/client";

/** The API this build talks to: VITE_API_URL when it was built (default http://127.0.0.1:8000). */
export const API_URL: string = __API_URL__;

export const api = createClient({ baseUrl: API_URL });
