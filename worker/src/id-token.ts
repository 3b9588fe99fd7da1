// ID tokens for a private Cloud Run engine, from Application Default Credentials: on Google Cloud
// the metadata server signs them for the function's service account.
import { GoogleAuth, type IdTokenClient } from 'google-auth-library';
import type { IdTokenSource } from './engine-client';

export function googleIdTokenSource(auth: GoogleAuth = new GoogleAuth()): IdTokenSource {
  // One client per audience: each caches its token until shortly before it expires.
  const clients = new Map<string, Promise<IdTokenClient>>();
  return {
    async idToken(audience) {
      let client = clients.get(audience);
      if (!client) {
        client = auth.getIdTokenClient(audience);
        clients.set(audience, client);
        // Forget a failed lookup so the next delivery tries again.
        client.catch(() => clients.delete(audience));
      }
      const headers = await (await client).getRequestHeaders();
      const token = (headers.get('authorization') ?? '').replace(/^Bearer\s+/i, '');
      if (!token) throw new Error('Google auth returned no ID token');
      return token;
    },
  };
}
