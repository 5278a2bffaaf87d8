import { DEMO_CLIENT, startIdp } from './idp-server.js';

/**
 * `npm run sample:idp`: a local authorization server for the sample (see sample/README.md), on
 * 127.0.0.1:`PORT` (default 3001), issuing access tokens for `SAMPLE_URL` (default
 * `http://127.0.0.1:3000`, the sample's `PUBLIC_URL`). Prints the issuer and the demo client;
 * stops on Ctrl-C.
 */
const port = Number(process.env['PORT'] || 3001);
const sampleUrl = process.env['SAMPLE_URL'] || 'http://127.0.0.1:3000';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT must be an integer from 0 to 65535 (got ${process.env['PORT']})\n`);
  process.exit(1);
}
const idp = await startIdp({ port, sampleUrl });
const lines = [
  `Local authorization server (oidc-provider): ${idp.issuer}`,
  `  issuer:        ${idp.issuer}   (start the sample with OIDC_ISSUER=${idp.issuer})`,
  `  client id:     ${DEMO_CLIENT.id}`,
  `  client secret: ${DEMO_CLIENT.secret}`,
  `  redirect URI:  ${idp.redirectUri}`,
  `  tokens for:    ${sampleUrl}`,
  'Ctrl-C stops it.',
];
process.stdout.write(`${lines.join('\n')}\n`);
const stop = (): void => {
  void idp.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
