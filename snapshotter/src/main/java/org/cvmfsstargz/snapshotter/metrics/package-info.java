/**
 * Prometheus metrics (catalogue: {@code docs/metrics.md}): Micrometer's Prometheus registry with
 * the JVM binders, the adapters that count what the daemon does (a gRPC interceptor for RPCs, a
 * {@link org.cvmfsstargz.snapshotter.source.LayerDecisionListener} for layer decisions, readers
 * of the CVMFS source's counters and of the repositories' statistics, the eStargz library's
 * {@code FetchListener} and {@code FuseOperationListener}, readers of its chunk cache's
 * statistics and of the mounted layers), and the HTTP endpoint.
 *
 * <p>Part of the composition root: only {@link org.cvmfsstargz.snapshotter.Daemon} wires these
 * in. The core, the sources and the libraries know nothing of Micrometer; they are observed
 * through listener interfaces and read-only accessors, never through a static registry.
 */
package org.cvmfsstargz.snapshotter.metrics;
