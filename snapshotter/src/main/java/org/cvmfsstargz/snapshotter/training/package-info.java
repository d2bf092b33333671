/**
 * The workload the build trains the daemon's AOT cache on: a real daemon, a loopback registry and
 * containerd-like calls, in one process. Composition-root level: it starts a {@code Daemon}; no
 * other package imports it.
 */
package org.cvmfsstargz.snapshotter.training;
