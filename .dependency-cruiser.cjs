// Layering and cycle rules for ioc-console, checked by `npm run deps` and by `npm test`
// (scripts/test.mjs). Issue #25, "Dependencies point one way"; docs/architecture.md explains the layers.
//
// The layers, lowest first: contract/ (shared types, schemas, event maps, and the geometry and city-pack
// loader both the server and the simulators read) → server/, client/, simulators/.
// Inside the server, the data path runs ingest → influx/registry → alerts → incidents → push/http;
// a core module never imports an outer one, so a core module can be read, tested and reused alone.
//
// The server and the simulators never import each other: the demo simulators run as a process of their
// own beside the server (`npm start`, scripts/start.mjs), and what both read (the coverage geometry and its
// knobs, the city-pack loader) lives in contract/. There is no baseline of known violations: any one fails.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'contract-imports-nothing-above',
      comment:
        'contract/ is the one copy of the types, schemas and event maps that server, client and simulators share ' +
        '(CONVENTIONS.md 1). If it imported any of them, the others would pull that side in with it.',
      severity: 'error',
      from: { path: '^contract/' },
      to: { path: '^(server|client|simulators)/' },
    },
    {
      name: 'client-imports-no-server-or-simulators',
      comment:
        'The client is bundled for the browser and talks to the server only through the contract (Socket.IO and REST types). ' +
        'Importing server or simulator code would ship Node code to the browser and couple the two deploys.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^(server|simulators)/' },
    },
    {
      name: 'simulators-import-no-client',
      comment: 'The simulators are a Node process that speaks MQTT; they share only the contract with the console.',
      severity: 'error',
      from: { path: '^simulators/' },
      to: { path: '^client/' },
    },
    {
      name: 'server-imports-no-simulators',
      comment:
        'The simulators are demo devices outside the server: they publish over MQTT like real devices. ' +
        'The server must run (and be built) without them; the demo starts them beside it, not inside it.',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^simulators/' },
    },
    {
      name: 'simulators-import-no-server',
      comment:
        'The simulators stand for real devices, which know the topics and payloads (contract/) but not the server. ' +
        'Geometry or config both sides need belongs in contract/.',
      severity: 'error',
      from: { path: '^simulators/' },
      to: { path: '^server/' },
    },
    {
      name: 'core-imports-no-outer',
      comment:
        'Core modules (operations, incidents, alerts, influx, registry, the bus) hold the domain; ' +
        'the outer ones (ingest protocols, push, http) adapt it to the wire. A core module importing an outer one ' +
        'drags that protocol into the domain, so shared types move down into the core or contract/.',
      severity: 'error',
      from: {
        path: '^server/(operations\\.ts|bus\\.ts|incidents/|alerts/|influx/|registry/)',
      },
      to: { path: '^server/(push|http|ingest)/' },
    },
    {
      name: 'storage-imports-no-desk',
      comment:
        'InfluxDB storage (server/influx/) sits below the alerts and the incident desk on the data path: it records ' +
        'what the bus carries and is read back by them. A helper both need (e.g. wardAt) lives lower, in contract/geo.ts.',
      severity: 'error',
      from: { path: '^server/influx/' },
      to: { path: '^server/(alerts|incidents)/' },
    },
    {
      name: 'no-cycles',
      comment:
        'A cycle (at run time or type-only) means two modules are one module in two files: neither can be ' +
        'understood, tested or moved alone, and runtime cycles make the load order decide what is undefined.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      // `geojson` is @types/geojson: a type-only package with no module to resolve.
      to: { couldNotResolve: true, pathNot: '^geojson$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count too: a type cycle is still a cycle, and a type import still couples layers.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
