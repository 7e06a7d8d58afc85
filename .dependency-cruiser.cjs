/**
 * Import rules of src/ (README "Architecture"), checked by `npm run lint`:
 *   api -> sync -> imapsync -> worker / cli   (the engine knows no Kubernetes)
 *   kube -> controller                        (the Kubernetes plumbing knows no MailSync)
 *   the controller also uses api, imapsync (account files' option columns) and metrics
 *   api, sync, imapsync, kube -> console      (the web console: a client of the API like the CLI)
 * Type-only imports count: a cycle through types is still a cycle of concepts.
 */
const DOMAIN = '^src/(api|controller|sync|imapsync|worker|cli|metrics|console)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere in src/.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'kube-is-generic',
      severity: 'error',
      comment: 'src/kube/ is generic Kubernetes plumbing: it imports nothing of the MailSync domain.',
      from: { path: '^src/kube/' },
      to: { path: DOMAIN },
    },
    {
      name: 'api-stands-alone',
      severity: 'error',
      comment: 'src/api/ (resource types, the spec module) imports no other package of src/.',
      from: { path: '^src/api/' },
      to: { path: '^src/', pathNot: '^src/api/' },
    },
    {
      name: 'sync-knows-no-kubernetes',
      severity: 'error',
      comment: 'The IMAP engine (src/sync/) imports no Kubernetes, controller, worker, CLI or option-parsing code.',
      from: { path: '^src/sync/' },
      to: { path: '^src/(kube|controller|imapsync|worker|cli)/' },
    },
    {
      name: 'imapsync-options-below-their-users',
      severity: 'error',
      comment:
        "src/imapsync/ (imapsync's options as spec fields) builds on api and sync only: the CLI and the controller use it.",
      from: { path: '^src/imapsync/' },
      to: { path: '^src/(kube|controller|worker|cli|metrics)/' },
    },
    {
      name: 'controller-apart-from-entry-points',
      severity: 'error',
      comment: 'src/controller/ imports neither the worker nor the CLI (src/main.ts chooses which one runs).',
      from: { path: '^src/controller/' },
      to: { path: '^src/(worker|cli)/' },
    },
    {
      name: 'worker-and-cli-not-controller',
      severity: 'error',
      comment: 'The worker and the CLI do not import the controller (the CLI talks to the API server through src/kube/).',
      from: { path: '^src/(worker|cli)/' },
      to: { path: '^src/controller/' },
    },
    {
      name: 'metrics-below-controller',
      severity: 'error',
      comment: 'src/metrics/ declares and serves metrics: it imports nothing but api.',
      from: { path: '^src/metrics/' },
      to: { path: '^src/', pathNot: '^src/(metrics|api)/' },
    },
    {
      // The worker and the CLI both depend on the spec module and the engine, not on each other
      // (issue 8); src/main.ts decides which of them runs.
      name: 'worker-and-cli-apart',
      severity: 'error',
      comment: 'src/worker/ and src/cli/ do not import each other.',
      from: { path: '^src/(worker|cli)/' },
      to: { path: '^src/(worker|cli)/', pathNot: '^src/$1/' },
    },
    {
      name: 'console-is-a-client',
      severity: 'error',
      comment:
        "src/console/ (the web console) uses api, sync (the login check), imapsync (the option column of an uploaded account file) and kube only: like the CLI, it acts through the API server.",
      from: { path: '^src/console/' },
      to: { path: '^src/(controller|worker|cli|metrics)/' },
    },
    {
      name: 'nothing-imports-the-console',
      severity: 'error',
      comment: 'Only src/main.ts starts the console (a dynamic import).',
      from: { path: '^src/', pathNot: '^src/(console/|main\\.ts$)' },
      to: { path: '^src/console/' },
    },
    {
      name: 'no-dev-dependencies-in-src',
      severity: 'error',
      comment: 'Shipped code does not import devDependencies (they are not in the image).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'Every import resolves (a typo in a path is caught here, not at run time).',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
