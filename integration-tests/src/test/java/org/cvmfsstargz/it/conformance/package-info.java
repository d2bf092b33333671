/**
 * containerd's snapshotter conformance suite (1.6.20), and the API facts around it, run against the
 * real daemon process over its Snapshots gRPC socket.
 *
 * <p>{@code SnapshotterConformanceIT} and {@code SnapshotterLayerContentIT} mirror the 21 tests of
 * {@code snapshots/testsuite}, one Java test per Go test, each naming its Go original. The other
 * {@code *IT} classes pin down what the suite leaves implicit: labels, List filters, status codes,
 * mount shapes, usage, opaque keys, timestamps and concurrency, as containerd's overlay snapshotter
 * behaves. {@code SnapshotterSession} owns the daemon and the mounts; {@code SnapshotsClient} is the
 * RPC surface as containerd's proxy calls it; {@code LayerChain} is the suite's layer-checking helper.
 *
 * <p>The tests mount overlay and bind mounts, so they run as root on Linux. They use only
 * {@code it.support} and the generated protocol classes; nothing from the daemon's own packages.
 */
package org.cvmfsstargz.it.conformance;
