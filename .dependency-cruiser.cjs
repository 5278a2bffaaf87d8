/**
 * Layers of lib/, checked by `npm run lint` (any violation fails it).
 * - no cycles between files, nor between folders (`npm run lint` also cruises the graph collapsed
 *   to one node per folder of lib/, where the same rule finds folder cycles);
 * - the leaves (schemes/, http/, errors/, stores/, cache/, logging/) never import the layers that
 *   drive them (core/, options/, guards/, filters/, transports/, decorators/);
 * - lib/ never imports the sample, the bench or the tests, nor an optional peer (GraphQL,
 *   websockets, microservices): an HTTP-only application installs none of them.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle between files.',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'leaves-stay-leaves',
      severity: 'error',
      comment: 'Schemes, HTTP parsing, errors, stores and the cache are driven, they do not drive.',
      from: { path: '^lib/(schemes|http|errors|stores|cache|logging|api-keys)/' },
      to: { path: '^lib/(core|options|guards|filters|transports|decorators|openapi|testing)/' },
    },
    {
      name: 'lib-is-self-contained',
      severity: 'error',
      comment: 'The library never imports the sample, the bench or the tests.',
      from: { path: '^lib/' },
      to: { path: '^(sample|bench|test)/' },
    },
    {
      name: 'optional-peers-stay-optional',
      severity: 'error',
      comment:
        'GraphQL, websockets and microservices are optional peers: lib/ imports none of them.',
      from: { path: '^lib/', pathNot: '\\.spec\\.ts$' },
      to: {
        path: 'node_modules/(@nestjs/(graphql|apollo|mercurius|websockets|microservices|platform-socket\\.io|platform-ws)|graphql|graphql-ws|mercurius|@apollo|socket\\.io|ws)/',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
