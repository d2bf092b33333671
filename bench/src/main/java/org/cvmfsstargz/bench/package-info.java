/**
 * Benchmarks of the daemon as containerd sees it: the Snapshots API over the real Unix socket,
 * against the real daemon started from its jar as its own process. Nothing here runs the
 * daemon's classes in-process, so every figure includes the transport, the JVM of the daemon
 * and the disk under its root, as in production.
 *
 * <p>Flow: {@link org.cvmfsstargz.bench.ApiBenchmark} (the entry point and the only class that
 * wires objects) starts a {@link org.cvmfsstargz.bench.DaemonLauncher}, drives
 * {@link org.cvmfsstargz.bench.ApiCalls} from a {@link org.cvmfsstargz.bench.ClosedLoop} of
 * clients, and hands the {@link org.cvmfsstargz.bench.Measurement}s to
 * {@link org.cvmfsstargz.bench.Report}. Imports the generated stubs of {@code proto} and grpc-java;
 * must not import {@code org.cvmfsstargz.snapshotter} (the daemon is a process, not a library,
 * here), test code, nor {@code bench.startup}. {@link org.cvmfsstargz.bench.HostFacts},
 * {@link org.cvmfsstargz.bench.CpuClock}, {@link org.cvmfsstargz.bench.RequiredTools} and
 * {@link org.cvmfsstargz.bench.JsonLineOutput} are public for the other benchmarks
 * ({@code bench.startup}, {@code bench.compare}), which do use the integration tests' support classes.
 */
package org.cvmfsstargz.bench;
