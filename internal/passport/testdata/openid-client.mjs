// A site's back end signing a person in with the npm openid-client (a
// certified relying party), driven by TestOpenIDClientCodeFlow: it prints
// the authorization URL, reads the callback URL the browser came back to
// on standard input, then exchanges the code, reads userinfo, introspects,
// refreshes and revokes, and prints what it saw as JSON.
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';

const client = await import(pathToFileURL(process.env.OPENID_CLIENT).href);
const [issuer, clientId, secret, redirectUri] = process.argv.slice(2);

const config = await client.discovery(new URL(issuer), clientId, secret, client.ClientSecretBasic(secret), {
  execute: [client.allowInsecureRequests], // the test server is http on 127.0.0.1
});
const verifier = client.randomPKCECodeVerifier();
const state = client.randomState();
const nonce = client.randomNonce();
const url = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: 'openid email',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
  nonce,
});
console.log(JSON.stringify({ authorize: url.href }));

const lines = createInterface({ input: process.stdin });
const callback = await new Promise((resolve) => lines.once('line', resolve));
lines.close();

const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
  pkceCodeVerifier: verifier,
  expectedState: state,
  expectedNonce: nonce,
});
const claims = tokens.claims();
const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
const intro = await client.tokenIntrospection(config, tokens.access_token);
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
const introOld = await client.tokenIntrospection(config, tokens.access_token);
await client.tokenRevocation(config, refreshed.refresh_token);
const introRevoked = await client.tokenIntrospection(config, refreshed.access_token);
console.log(JSON.stringify({
  sub: claims.sub,
  email: info.email,
  active: intro.active,
  introSub: intro.sub,
  clientId: intro.client_id,
  refreshed: refreshed.access_token !== tokens.access_token,
  oldActive: introOld.active,
  revokedActive: introRevoked.active,
  revokedReason: introRevoked.reason,
}));
