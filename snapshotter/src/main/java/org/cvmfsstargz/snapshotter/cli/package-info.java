/**
 * The command line (picocli): {@code serve}, {@code ingest}, {@code config containerd} and
 * {@code version}. Part of the composition root.
 */
package org.cvmfsstargz.snapshotter.cli;
