// A relying party built only with openid-client (panva), driven by tests/oidc/test_openid_client.py.
// It prints the authorization URL, reads the callback URL from stdin, and prints one JSON line.
import * as client from 'openid-client'
import readline from 'node:readline'

const { ISSUER, CLIENT_ID, CLIENT_JWK, REDIRECT_URI, SCOPE } = process.env
const jwk = JSON.parse(CLIENT_JWK)
const key = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
const config = await client.discovery(
  new URL(ISSUER),
  CLIENT_ID,
  { id_token_signed_response_alg: 'ES256' },
  client.PrivateKeyJwt({ key, kid: jwk.kid }),
  { execute: [client.allowInsecureRequests] },
)
const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
const verifier = client.randomPKCECodeVerifier()
const state = client.randomState()
const nonce = client.randomNonce()
const url = await client.buildAuthorizationUrlWithPAR(
  config,
  {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  },
  { DPoP },
)
console.log(url.href)
const rl = readline.createInterface({ input: process.stdin })
const callback = await new Promise((resolve) => rl.once('line', resolve))
rl.close()
const out = { flows: [] }
const tokens = await client.authorizationCodeGrant(
  config,
  new URL(callback),
  { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
  undefined,
  { DPoP },
)
out.flows.push('par+code+pkce+private_key_jwt+dpop')
out.token_type = tokens.token_type
out.claims = tokens.claims()
out.userinfo = await client.fetchUserInfo(config, tokens.access_token, out.claims.sub, { DPoP })
out.flows.push('userinfo(dpop)')
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, { scope: tokens.scope }, { DPoP })
out.refresh_rotated = refreshed.refresh_token !== tokens.refresh_token
out.flows.push('refresh')
out.introspection = await client.tokenIntrospection(config, refreshed.access_token)
await client.tokenRevocation(config, refreshed.refresh_token)
out.after_revocation = await client.tokenIntrospection(config, refreshed.access_token)
out.flows.push('introspection', 'revocation')
console.log(JSON.stringify(out))
