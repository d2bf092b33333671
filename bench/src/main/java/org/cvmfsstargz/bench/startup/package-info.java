/**
 * The CVMFS start-up benchmark: how long {@code ctr run} takes to the container's first output,
 * and how many bytes the registry serves, for a large image pulled normally against the same
 * image served unpacked from a directory standing in for a CVMFS repository. Everything is real
 * and its own process: the daemon (from its jar), containerd 1.6, runc, Debian's
 * {@code docker-registry}, {@code ctr} and {@code ctr-remote}, all on 127.0.0.1.
 *
 * <p>Flow: {@link org.cvmfsstargz.bench.startup.CvmfsStartupBenchmark} (the entry point and the
 * only class that wires objects) plans the image ({@link org.cvmfsstargz.bench.startup.ImagePlan},
 * pure), streams it to disk ({@link org.cvmfsstargz.bench.startup.OciLayoutWriter}), pushes it
 * ({@link org.cvmfsstargz.bench.startup.RegistryPush}), ingests it with the daemon's own
 * {@code ingest}, then makes each {@link org.cvmfsstargz.bench.startup.StartupRun} on a fresh
 * containerd and daemon and hands the {@link org.cvmfsstargz.bench.startup.Sample}s to
 * {@link org.cvmfsstargz.bench.startup.StartupReport}.
 *
 * <p>Imports the integration tests' process support classes ({@code org.cvmfsstargz.it.support},
 * from their test-jar: containerd, the registry, the counting proxy, the daemon process) and the
 * machine facts of {@code org.cvmfsstargz.bench}; must not import {@code org.cvmfsstargz.snapshotter}
 * (the daemon is a process here, not a library). Nothing in {@code org.cvmfsstargz.bench} may
 * import this package, so the API benchmark stays free of test code; the comparison benchmark
 * ({@code org.cvmfsstargz.bench.compare}) reuses its public pieces: the registry push, the eStargz
 * conversion, the {@code ctr} runner, the slow link, the clean-up, JSON and spreads.
 */
package org.cvmfsstargz.bench.startup;
