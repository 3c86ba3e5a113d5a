/// <reference types="vite/client" />

/** VITE_API_URL at build time (default http://127.0.0.1:8000), see vite.config.ts. */
declare const __API_URL__: string;
