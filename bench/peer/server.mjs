// node-oidc-provider set up as close to Portcullis as it goes: confidential clients with
// client_secret_basic and client_credentials, JWT access tokens (ES256 or RS256) through resource
// indicators, an opaque-token client for introspection (the form node introspects), and
// introspection enabled. Usage: PORT=... CLIENT_SECRET=... node server.mjs
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const secret = process.env.CLIENT_SECRET;
const key = (type, options, alg) => ({
  ...generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' }),
  alg,
  use: 'sig',
});
const jwks = {
  keys: [
    key('ec', { namedCurve: 'P-256' }, 'ES256'),
    key('rsa', { modulusLength: 2048 }, 'RS256'),
  ],
};
const machine = (client_id) => ({
  client_id,
  client_secret: secret,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'api:read',
});
const format = { 'bench-es256': ['jwt', 'ES256'], 'bench-rs256': ['jwt', 'RS256'], 'bench-opaque': ['opaque'] };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [machine('bench-es256'), machine('bench-rs256'), machine('bench-opaque')],
  jwks,
  scopes: ['openid', 'offline_access', 'api:read'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'https://api.example.com',
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => {
        const [accessTokenFormat, alg] = format[client.clientId];
        return { scope: 'api:read', accessTokenFormat, ...(alg ? { jwt: { sign: { alg } } } : {}) };
      },
    },
  },
});
provider.listen(port, '127.0.0.1', () => console.log(`peer listening on ${port}`));
